//! Compiles the touchscreen's Slint files (feature `ui`) with their translations bundled.

fn main() {
    #[cfg(feature = "ui")]
    {
        // Strings carry no translation context, so the catalogue needs no msgctxt.
        let config = slint_build::CompilerConfiguration::new()
            .with_bundled_translations(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/lang"))
            .with_default_translation_context(slint_build::DefaultTranslationContext::None)
            // Element information for the UI tests (find by accessible label); small cost.
            .with_debug_info(true);
        slint_build::compile_with_config("ui/app.slint", config).expect("the Slint UI compiles");
    }
}

//! `swalayan tag decode|encode`: ISO 28560 tag data on the command line.

use super::output::emit;
use super::{CliError, Context, Finished, TagCommand, TagModel};
use serde_json::json;
use swalayan_hardware::rfid::iso28560::{self, DataModel, EncodeRequest, parse_hex, to_hex};

pub fn run(ctx: &Context, command: TagCommand) -> Result<Finished, CliError> {
    match command {
        TagCommand::Decode { hex, model } => {
            let memory = parse_hex(&hex).map_err(CliError::Usage)?;
            let decoded = match model {
                None => iso28560::decode(&memory),
                Some(TagModel::Iso28560_3) => iso28560::decode_as(&memory, DataModel::Iso28560_3),
                Some(TagModel::Iso28560_2) => iso28560::decode_as(&memory, DataModel::Iso28560_2),
            };
            // Unreadable tag data is a result the caller asked for, not a failure of the tool:
            // it is reported and the command exits 0, like a CRC mismatch.
            match decoded {
                Ok(data) => {
                    let value = json!({
                        "model": data.model,
                        "item_id": data.item_id,
                        "isil": data.isil,
                        "usage": data.usage,
                        "usage_sub": data.usage_sub,
                        "parts": data.parts,
                        "part": data.part,
                        "crc_ok": data.crc_ok,
                    });
                    emit(ctx, &value, || {
                        format!(
                            "{} {} ({}) {}: {}, {} {}/{}, CRC {}",
                            serde_json::to_value(data.model)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                            data.item_id,
                            data.isil.as_deref().unwrap_or("-"),
                            ctx.lang.pick("penggunaan", "usage"),
                            data.usage,
                            ctx.lang.pick("bagian", "part"),
                            data.part,
                            data.parts,
                            if data.crc_ok {
                                "ok"
                            } else {
                                ctx.lang.pick("SALAH", "MISMATCH")
                            }
                        )
                    });
                }
                Err(error) => {
                    let value = json!({"error": error.to_string(), "crc_ok": false});
                    emit(ctx, &value, || {
                        format!(
                            "{}: {error}",
                            ctx.lang
                                .pick("Data tag tidak terbaca", "Unreadable tag data")
                        )
                    });
                }
            }
            Ok(Finished::Done)
        }
        TagCommand::Encode {
            item,
            isil,
            usage,
            parts,
            part,
            size,
        } => {
            let block = iso28560::encode_28560_3(&EncodeRequest {
                item_id: &item,
                isil: isil.as_deref(),
                usage,
                parts,
                part,
                size,
            })
            .map_err(|e| CliError::Usage(e.to_string()))?;
            let hex = to_hex(&block);
            emit(ctx, &json!({"hex": hex}), || hex.clone());
            Ok(Finished::Done)
        }
    }
}

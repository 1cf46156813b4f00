//! `swalayan gate replay`: the entrance counter on a trace of beam edges.

use super::output::emit;
use super::{CliError, Context, Finished, GateCommand};
use crate::station::gate::trace;

pub fn run(ctx: &Context, command: GateCommand) -> Result<Finished, CliError> {
    match command {
        GateCommand::Replay { trace: path } => {
            let edges = trace::read(&path).map_err(|e| CliError::Usage(e.to_string()))?;
            let timings = ctx
                .config
                .gate
                .as_ref()
                .map(|g| g.timings)
                .unwrap_or_default();
            let counted = trace::replay(&edges, timings);
            emit(ctx, &counted, || {
                let mut lines: Vec<String> = counted
                    .passages
                    .iter()
                    .map(|p| {
                        ctx.lang
                            .pick(
                                "{name}: {in} masuk, {out} keluar, {u} tidak pasti",
                                "{name}: {in} in, {out} out, {u} uncertain",
                            )
                            .replace("{name}", &p.name)
                            .replace("{in}", &p.entered.to_string())
                            .replace("{out}", &p.left.to_string())
                            .replace("{u}", &p.uncertain.to_string())
                    })
                    .collect();
                for alarm in &counted.alarms {
                    lines.push(format!("{} ms {}: {}", alarm.t_ms, alarm.passage, alarm.kind));
                }
                lines.join("\n")
            });
            Ok(Finished::Done)
        }
    }
}

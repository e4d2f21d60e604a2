//! The Statement of Applicability (`[[applicability]]` in smsdoc.toml): for
//! standards with controls (ISO/IEC 27001 Annex A), which controls apply,
//! and why excluded ones do not. Excluded controls are never coverage
//! gaps; an exclusion without justification or approval is a warning.

use crate::catalogue::{Catalogues, ClauseRef, TagResolution};
use crate::config::{ApplicabilityConfig, Config, CONFIG_FILE};
use crate::dates::parse_date;
use crate::diagnostics::{Code, Diagnostic};

/// One decision of the Statement of Applicability.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub control: ClauseRef,
    pub applicable: bool,
    pub justification: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
}

/// Whether clause `r` is a control (an Annex A entry such as `A.5.7`).
pub fn is_control(cats: &Catalogues, r: ClauseRef) -> bool {
    cats.clause(r).number.starts_with("A.")
}

/// The valid decisions, and the findings about the entries.
pub fn decisions(config: &Config, cats: &Catalogues) -> (Vec<Decision>, Vec<Diagnostic>) {
    let mut out: Vec<(Decision, usize)> = Vec::new();
    let mut diags = Vec::new();
    for e in &config.applicability {
        let c = &e.control;
        let problem = |sev_error: bool, msg: String, help: String| {
            let d = if sev_error {
                Diagnostic::error(Code::SoaInvalid, msg)
            } else {
                Diagnostic::warning(Code::SoaInvalid, msg)
            };
            d.at(CONFIG_FILE, c.line, c.column).help(help)
        };
        // A bare control number belongs to the standard in force that has
        // controls (27001's Annex A), not to the default standard.
        let resolution = std::iter::once(c.value.clone())
            .chain(cats.list.iter().map(|cat| format!("{}:{}", cat.id, c.value)))
            .map(|tag| cats.resolve(&tag))
            .find(|r| matches!(r, TagResolution::Found(r) if is_control(cats, *r)))
            .unwrap_or_else(|| cats.resolve(&c.value));
        let control = match resolution {
            TagResolution::Found(r) if is_control(cats, r) => r,
            TagResolution::Found(_) | TagResolution::TooDeep(_) => {
                diags.push(problem(
                    true,
                    format!("`{}` is a clause, not a control", c.value),
                    "the Statement of Applicability lists controls, e.g. control = \"A.5.7\" (or iso27001:2022:A.5.7)"
                        .into(),
                ));
                continue;
            }
            TagResolution::Unknown { suggestion } | TagResolution::UnknownStandard { suggestion, .. } => {
                diags.push(problem(
                    true,
                    format!("unknown control `{}` in `applicability`", c.value),
                    suggestion.map_or_else(
                        || "controls are Annex A numbers of a standard in force, e.g. A.5.7; `smsdoc clauses --standard iso27001:2022` lists them".into(),
                        |s| format!("did you mean `{s}`?"),
                    ),
                ));
                continue;
            }
        };
        if let Some((_, line)) = out.iter().find(|(d, _)| d.control == control) {
            diags.push(problem(
                true,
                format!("`{}` is decided twice in `applicability`", c.value),
                format!("keep one entry; line {line} decides it already"),
            ));
            continue;
        }
        let text =
            |s: &Option<crate::config::Setting<String>>| s.as_ref().map(|s| s.value.clone()).filter(|v| !v.is_empty());
        let approved_on = match &e.approved_on {
            Some(s) => match parse_date(&s.value) {
                Ok(d) => Some(d.to_string()),
                Err(m) => {
                    diags.push(
                        Diagnostic::error(Code::SoaInvalid, format!("`approved_on` of `{}`: {m}", c.value))
                            .at(CONFIG_FILE, s.line, s.column)
                            .help("write dates as YYYY-MM-DD"),
                    );
                    None
                }
            },
            None => None,
        };
        let decision = Decision {
            control,
            applicable: e.applicable,
            justification: text(&e.justification),
            approved_by: text(&e.approved_by),
            approved_on,
        };
        if !decision.applicable {
            let mut missing = Vec::new();
            if decision.justification.is_none() {
                missing.push("justification");
            }
            if decision.approved_by.is_none() {
                missing.push("approved_by");
            }
            if decision.approved_on.is_none() && e.approved_on.is_none() {
                missing.push("approved_on");
            }
            if !missing.is_empty() {
                diags.push(problem(
                    false,
                    format!("exclusion of `{}` has no {}", c.value, missing.join(", ")),
                    "an auditor asks why a control does not apply and who decided: add justification = \"…\", approved_by and approved_on".into(),
                ));
            }
        }
        out.push((decision, line_of(e)));
    }
    (out.into_iter().map(|(d, _)| d).collect(), diags)
}

fn line_of(e: &ApplicabilityConfig) -> usize {
    e.line
}

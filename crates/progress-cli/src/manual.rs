//! `completions` and `man`: a shell completion script and the manual page, generated at run
//! time from the clap definition (clap_complete, clap_mangen), so they always match the
//! binary that prints them and need no build step. Packaging runs the binary to install them.

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;

use crate::cli::Cli;
use crate::exit::Failure;
use crate::out;

/// The completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_owned();
    let mut script = Vec::new();
    if shell == Shell::Bash {
        // clap_complete's bash script never completes a command's flags when the binary's
        // name has a `-` (clap-rs/clap#6421: its dispatch and its case arms escape the name
        // differently). Generated for `dms_progress`, it is right; only the `complete` lines
        // must then name the real command.
        let safe = name.replace('-', "_");
        clap_complete::generate(shell, &mut cmd, &safe, &mut script);
        script = register_as(&String::from_utf8_lossy(&script), &safe, &name).into_bytes();
    } else {
        clap_complete::generate(shell, &mut cmd, &name, &mut script);
    }
    out::data(&script)
}

/// A bash completion script generated for `generated_for`, registered for `command` instead.
fn register_as(script: &str, generated_for: &str, command: &str) -> String {
    let suffix = format!(" {generated_for}");
    let mut out = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        match body.strip_suffix(&suffix) {
            Some(head) if body.trim_start().starts_with("complete ") => {
                out.push_str(head);
                out.push(' ');
                out.push_str(command);
                out.push_str(&line[body.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// The manual page, dms-progress(1), in roff on stdout.
pub fn man_page() -> Result<(), Failure> {
    out::data(&render_man_page().map_err(out::write_failure)?)
}

/// One page for the whole command: name, synopsis, description and options, then each
/// command's synopsis, description and options under COMMANDS, then the exit status (the
/// `--help` epilogue) and the version. One page rather than one per command (clap_mangen's
/// `dms-progress-get(1)`, ...) so that `man dms-progress` shows everything.
fn render_man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // NAME reads "dms-progress - query and watch ...", not "dms-progress - dms-progress: ...".
    if let Some(about) = cmd.get_about().map(|a| a.to_string()) {
        let name = format!("{}: ", cmd.get_name());
        cmd = cmd.about(about.strip_prefix(&name).unwrap_or(&about).to_owned());
    }
    cmd.build();
    let page = Man::new(cmd.clone());
    let mut roff = Vec::new();
    page.render_title(&mut roff)?;
    page.render_name_section(&mut roff)?;
    page.render_synopsis_section(&mut roff)?;
    page.render_description_section(&mut roff)?;
    page.render_options_section(&mut roff)?;
    roff.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub_page = Man::new(sub.clone());
        let mut part = Vec::new();
        sub_page.render_synopsis_section(&mut part)?;
        sub_page.render_description_section(&mut part)?;
        sub_page.render_options_section(&mut part)?;
        roff.extend_from_slice(&as_subsection(&part, sub.get_name()));
    }
    let mut extra = Vec::new();
    page.render_extra_section(&mut extra)?;
    roff.extend_from_slice(&rename_section(&extra, "EXTRA", "EXIT STATUS"));
    page.render_version_section(&mut roff)?;
    Ok(once_each(&roff, &[APOSTROPHE_IF, APOSTROPHE_ELSE]))
}

/// The two lines clap_mangen puts before every section it renders (they define `\*(Aq`):
/// needed once, at the top.
const APOSTROPHE_IF: &str = ".ie \\n(.g .ds Aq \\(aq";
const APOSTROPHE_ELSE: &str = ".el .ds Aq '";

/// `roff` with only the first occurrence of each line in `lines`.
fn once_each(roff: &[u8], lines: &[&str]) -> Vec<u8> {
    let mut seen = vec![false; lines.len()];
    let mut out = String::new();
    for line in String::from_utf8_lossy(roff).lines() {
        if let Some(i) = lines.iter().position(|l| *l == line) {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

/// A command's sections, nested under COMMANDS: its synopsis becomes the subsection heading's
/// body, and its other section headings become paragraph breaks.
fn as_subsection(roff: &[u8], name: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut out = format!(".SS {name}\n");
    for line in text.lines() {
        match line {
            ".SH SYNOPSIS" | ".SH DESCRIPTION" => out.push_str(".PP\n"),
            ".SH OPTIONS" => out.push_str(".PP\nOptions:\n"),
            line => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.into_bytes()
}

/// `roff` with the section heading `.SH from` renamed `to`.
fn rename_section(roff: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    text.replacen(&format!(".SH {from}\n"), &format!(".SH \"{to}\"\n"), 1)
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_has_every_command_and_flag() {
        let page = String::from_utf8(render_man_page().unwrap()).unwrap();
        assert!(page.contains("\n.TH dms-progress 1 "), "{page}");
        assert!(page.contains("dms\\-progress \\- query and watch"), "{page}");
        assert_eq!(page.matches(APOSTROPHE_IF).count(), 1, "{page}");
        for part in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH COMMANDS",
            ".SS get",
            ".SS watch",
            ".SS regions",
            ".SS completions",
            "\\-\\-max\\-wait",
            "\\-\\-instance\\-id",
            ".SH \"EXIT STATUS\"",
            "141",
        ] {
            assert!(page.contains(part), "{part} in\n{page}");
        }
        assert!(
            !page.contains("dms-progress-get(1)"),
            "no reference to pages that do not exist"
        );
    }
}

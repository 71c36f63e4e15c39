//! `zego --help` with its subcommands under headings: the calls by topic, as the command
//! table groups them, then the other subcommands. clap lists subcommands under one
//! heading only, so the list is written into the help's template.

use std::fmt::Write;

use clap::Command;

use crate::runner::Entry;

/// The headings of the subcommands that are not calls, after the calls'.
const OTHERS: &[(&str, &[&str])] = &[
    ("Tokens and callbacks", &["token", "callbacks"]),
    ("Tools", &["sign", "demo", "help"]),
];

/// What `zego help` does (clap adds the subcommand when the command is built).
const HELP_ABOUT: &str = "Print this message or the help of the given subcommand(s)";

/// `command` (with every call of `calls` added) whose help lists the subcommands under
/// their headings, each with its summary, then the options.
pub fn grouped(command: Command, calls: &[(&str, &[Entry])]) -> Command {
    let mut groups: Vec<(&str, Vec<(String, String)>)> = calls
        .iter()
        .map(|(heading, entries)| {
            let rows = entries.iter().map(|e| (e.name(), e.about().to_owned()));
            (*heading, rows.collect())
        })
        .collect();
    for (heading, names) in OTHERS {
        let rows = names.iter().map(|name| {
            let about = command
                .find_subcommand(name)
                .and_then(Command::get_about)
                .map_or_else(|| HELP_ABOUT.to_owned(), ToString::to_string);
            ((*name).to_owned(), about)
        });
        groups.push((heading, rows.collect()));
    }
    let styles = command.get_styles();
    let (header, literal) = (styles.get_header(), styles.get_literal());
    let width = groups
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(name, _)| name.len()))
        .max()
        .unwrap_or(0);
    let mut listing = String::new();
    for (heading, rows) in &groups {
        let _ = writeln!(listing, "{header}{heading}:{header:#}");
        for (name, about) in rows {
            let pad = " ".repeat(width - name.len());
            let _ = writeln!(listing, "  {literal}{name}{literal:#}{pad}  {about}");
        }
        listing.push('\n');
    }
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{listing}\
         {header}Options:{header:#}\n{{options}}{{after-help}}"
    );
    command.help_template(template)
}

#[cfg(test)]
mod tests {
    use crate::calls::command;

    #[test]
    fn every_subcommand_is_listed_once_under_a_heading() {
        let mut command = command();
        let help = command.render_help().to_string();
        command.build();
        for sub in command.get_subcommands() {
            let name = sub.get_name();
            let rows = help
                .lines()
                .filter(|line| line.split_whitespace().next() == Some(name))
                .count();
            assert_eq!(rows, 1, "{name}: {help}");
        }
        assert!(!help.contains("Commands:"), "{help}");
        assert!(help.contains("\nOptions:\n  -h, --help"), "{help}");
    }
}

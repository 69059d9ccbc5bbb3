//! `passerelle watch` run as a real binary on a temporary drop folder.

#[path = "watch_support/mod.rs"]
mod common;

use std::fs;
use std::io::Write;
use std::time::Duration;

use common::*;

#[test]
fn once_converts_the_good_file_while_the_bad_one_goes_to_errors() {
    let s = site(FAST);
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    s.drop_file("articles.csv", &fixture("articles.csv"));
    s.drop_file("partiel.csv", &fixture("partiel.csv"));
    s.drop_file(".cache", b"hidden");
    s.drop_file("~$clients.xlsx", b"lock");
    s.drop_file("export.csv.part", b"ID;Nom\n");
    s.drop_file("vide.csv", b"");
    let out = s.cmd().arg("--once").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a file failed: exit 1\n{log}");
    assert!(log.contains("1 converted, 1 converted in part, 1 failed, 0 duplicate(s)"), "{log}");

    let o = outcome_with_skipped(&s);
    // The good file: converted, archived by day, its report beside it.
    let (dest, bytes, notes) = &o.inputs["clients lyon marseille.csv"];
    assert_eq!(dest, "archive");
    assert_eq!(bytes, &fixture("clients lyon marseille.csv"), "archived unchanged");
    assert_eq!(notes, &[".report.json"]);
    let sage = &o.outputs["clients lyon marseille.csv"];
    let text: String = sage.iter().map(|&b| b as char).collect();
    assert!(text.contains("WEB000530") && text.contains("WEB000531"));

    // The bad file: errors/, a note that says what, where and how; nothing in out/.
    let (dest, _, notes) = &o.inputs["articles.csv"];
    assert_eq!(dest, "errors");
    // No output: the page for people stays with the report.
    assert_eq!(notes, &[".error.txt", ".html", ".report.json"]);
    assert!(!o.outputs.contains_key("articles.csv"));
    let note_name = s.files("errors").into_iter().find(|f| f.ends_with("_articles.csv.error.txt")).unwrap();
    let note = String::from_utf8(s.read(&format!("errors/{note_name}"))).unwrap();
    assert!(note.starts_with('\u{feff}') && note.contains("\r\n"), "Notepad-friendly");
    for part in ["could not convert \"articles.csv\"", "What went wrong", "not a recognised export", "How to fix it"] {
        assert!(note.contains(part), "{part} in\n{note}");
    }
    assert!(!note.contains("work"), "the note names the file, not the work folder:\n{note}");

    // One record failed: what converted is in out/, the file and its note in errors/.
    let (dest, _, notes) = &o.inputs["partiel.csv"];
    assert_eq!(dest, "errors");
    assert_eq!(notes, &[".error.txt", ".report.json"]);
    assert!(o.outputs.contains_key("partiel.csv"));
    let note_name = s.files("errors").into_iter().find(|f| f.ends_with("_partiel.csv.error.txt")).unwrap();
    let note = String::from_utf8(s.read(&format!("errors/{note_name}"))).unwrap();
    assert!(note.contains("customer 529") && note.contains("WEB000529"), "{note}");

    // Skipped names stay where they are, untouched.
    let mut inbox = s.files("inbox");
    inbox.sort();
    assert_eq!(inbox, vec![".cache", "export.csv.part", "vide.csv", "~$clients.xlsx"]);

    // The shipped profile also logs to a file.
    let logged = fs::read_to_string(s.dir.join("passerelle-watch.log")).unwrap();
    assert!(logged.contains("took \"articles.csv\"") && logged.contains("failed"), "{logged}");

    // Every output passes the validator.
    for f in s.files("out").into_iter().filter(|f| f.ends_with(".txt")) {
        let v = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .arg("validate")
            .arg(s.dir.join("out").join(&f))
            .output()
            .unwrap();
        assert!(v.status.success(), "{f}: {}", String::from_utf8_lossy(&v.stdout));
    }
}

/// `outcome` expects an empty inbox; here skipped files stay in it on purpose.
fn outcome_with_skipped(s: &Site) -> Outcome {
    let keep = tempfile::tempdir().unwrap();
    let names = s.files("inbox");
    for n in &names {
        fs::rename(s.inbox().join(n), keep.path().join(n)).unwrap();
    }
    let o = outcome(s);
    for n in &names {
        fs::rename(keep.path().join(n), s.inbox().join(n)).unwrap();
    }
    o
}

#[test]
fn a_file_written_slowly_is_taken_only_once_complete() {
    let s = site(Timing { settle_ms: 500, min_age_ms: 100, debounce_ms: 20 });
    let child = s.spawn(&[]);
    std::thread::sleep(Duration::from_millis(200));
    let content = fixture("customers_export.csv");
    let path = s.inbox().join("clients shopify été.csv");
    let mut f = fs::File::create(&path).unwrap();
    // Eight pieces, 100 ms apart: never still for the 500 ms the file must settle.
    for piece in content.chunks(content.len() / 8 + 1) {
        f.write_all(piece).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(path.exists(), "taken while still being written");
    }
    drop(f);
    let done = wait_until(Duration::from_secs(15), || s.files("archive").iter().any(|f| f.ends_with("été.csv")));
    let (code, log) = interrupt(child);
    assert!(done, "not converted once complete:\n{log}");
    assert_eq!(code, Some(0), "a stop by Ctrl-C is clean:\n{log}");
    let o = outcome(&s);
    assert_eq!(o.inputs["clients shopify été.csv"].1, content, "the whole file was taken");
    let sage = &o.outputs["clients shopify été.csv"];
    assert_eq!(sage.windows(6).filter(|w| w == b"#CCLI\r").count(), 4, "4 new clients, 1 matched");
}

#[test]
fn poll_mode_converts_files_dropped_while_it_runs() {
    let s = site(FAST);
    let child = s.spawn(&["--poll", "0.05"]);
    std::thread::sleep(Duration::from_millis(150));
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    let first = wait_until(Duration::from_secs(10), || s.files("archive").len() == 2);
    s.drop_file("clients bordeaux paris.csv", &fixture("clients bordeaux paris.csv"));
    let second = wait_until(Duration::from_secs(10), || s.files("archive").len() == 4);
    let (code, log) = interrupt(child);
    assert!(first && second, "{log}");
    assert!(log.contains("by polling every"), "{log}");
    assert_eq!(code, Some(0), "{log}");
    let o = outcome(&s);
    assert_eq!(o.outputs.len(), 2);
}

#[test]
fn the_same_name_every_day_never_overwrites_and_the_same_content_converts_once() {
    let s = site(FAST);
    s.drop_file("orders_export.csv", &fixture("clients lyon marseille.csv"));
    assert!(s.cmd().arg("--once").output().unwrap().status.success());
    let txt = |s: &Site| s.files("out").into_iter().filter(|f| f.ends_with(".txt")).collect::<Vec<_>>();
    let first = txt(&s);
    assert_eq!(first.len(), 1);
    let first_bytes = s.read(&format!("out/{}", first[0]));

    // Next day's export has the same name: a second output, the first one untouched.
    s.drop_file("orders_export.csv", &fixture("clients bordeaux paris.csv"));
    assert!(s.cmd().arg("--once").output().unwrap().status.success());
    let both = txt(&s);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(both.iter().all(|f| f.ends_with("_orders_export.txt")));
    assert_eq!(s.read(&format!("out/{}", first[0])), first_bytes);

    // The first export dropped again: recognised, archived with a note, no output.
    s.drop_file("orders_export.csv", &fixture("clients lyon marseille.csv"));
    let out = s.cmd().arg("--once").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("0 converted, 0 converted in part, 0 failed, 1 duplicate(s)"), "{log}");
    assert_eq!(txt(&s).len(), 2);
    let notes: Vec<String> = s.files("archive").into_iter().filter(|f| f.ends_with(".duplicate.txt")).collect();
    assert_eq!(notes.len(), 1);
    let note = String::from_utf8(s.read(&format!("archive/{}", notes[0]))).unwrap();
    assert!(note.contains("exactly the same content") && note.contains("nothing was written to out/"), "{note}");
    assert_eq!(s.files("archive").iter().filter(|f| f.ends_with("_orders_export.csv")).count(), 3);
}

#[test]
fn notes_are_in_french_for_a_french_session() {
    let s = site(FAST);
    s.drop_file("articles.csv", &fixture("articles.csv"));
    s.drop_file("partiel.csv", &fixture("partiel.csv"));
    let out = s.cmd().arg("--once").env("LANG", "fr_FR.UTF-8").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let note = |suffix: &str| {
        let name = s.files("errors").into_iter().find(|f| f.ends_with(suffix)).unwrap();
        String::from_utf8(s.read(&format!("errors/{name}"))).unwrap()
    };
    let failed = note("_articles.csv.error.txt");
    for part in ["n'a pas pu convertir \"articles.csv\"", "Ce qui n'a pas marché", "Comment corriger", "Gardé ici :"]
    {
        assert!(failed.contains(part), "{part} in\n{failed}");
    }
    assert!(failed.starts_with('\u{feff}') && failed.contains("\r\n"), "Notepad-friendly");
    let partial = note("_partiel.csv.error.txt");
    assert!(partial.contains("sauf quelques enregistrements") && partial.contains("client 529"), "{partial}");
    // The JSON report beside it keeps its English keys and messages.
    let report = s.files("errors").into_iter().find(|f| f.ends_with("_partiel.csv.report.json")).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&s.read(&format!("errors/{report}"))).unwrap();
    assert_eq!(json["inputs"][0]["status"], "partial");
}

#[test]
fn a_profile_error_stops_at_start_with_exit_2_and_touches_nothing() {
    let s = site(FAST);
    let p = s.dir.join("profile.toml");
    let text = fs::read_to_string(&p).unwrap().replace("settle_ms", "setle_ms");
    fs::write(&p, text).unwrap();
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    let out = s.cmd().arg("--once").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("watch.setle_ms") && err.contains("did you mean \"settle_ms\""), "{err}");
    assert_eq!(s.files("inbox"), vec!["clients lyon marseille.csv"]);
}

#[test]
fn a_second_watcher_on_the_same_folder_is_refused() {
    let s = site(FAST);
    let child = s.spawn(&[]);
    assert!(wait_until(Duration::from_secs(10), || s.dir.join("work/.lock").exists()));
    std::thread::sleep(Duration::from_millis(200));
    let out = s.cmd().arg("--once").output().unwrap();
    let (_, _) = interrupt(child);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already working"));
}

#[test]
fn a_killed_watcher_leaves_no_lock_behind() {
    let s = site(FAST);
    let mut child = s.spawn(&[]);
    assert!(wait_until(Duration::from_secs(10), || s.dir.join("work/.lock").exists()));
    std::thread::sleep(Duration::from_millis(200));
    let busy = s.cmd().arg("--once").output().unwrap();
    assert_eq!(busy.status.code(), Some(2), "held while the first one runs");
    // SIGKILL on Unix, TerminateProcess on Windows: no destructor, no clean-up of its own.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(s.dir.join("work/.lock").exists(), "the file stays; the lock on it is gone");
    let out = s.cmd().arg("--once").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_client_list_unreadable_while_running_pauses_then_resumes() {
    let s = site(FAST);
    let list = s.dir.join("gescom/clients.csv");
    let child = s.spawn(&["--poll", "0.05"]);
    std::thread::sleep(Duration::from_millis(300));
    // The accountant replaces the list: for a moment it is not there.
    let aside = s.dir.join("gescom/clients.bak");
    fs::rename(&list, &aside).unwrap();
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    assert!(wait_until(Duration::from_secs(10), || s.files("work").len() > 1), "claimed, then blocked");
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.files("errors").is_empty(), "not the file's fault: it is not sent to errors/");
    fs::rename(&aside, &list).unwrap();
    let done = wait_until(Duration::from_secs(10), || s.files("archive").len() == 2);
    let (_, log) = interrupt(child);
    assert!(done, "{log}");
    assert!(log.contains("cannot convert anything"), "{log}");
    outcome(&s);
}

#[test]
fn a_bug_hit_by_one_file_fails_that_file_only() {
    let s = site(FAST);
    s.drop_file("a clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    s.drop_file("b clients bordeaux paris.csv", &fixture("clients bordeaux paris.csv"));
    let out = s.cmd().arg("--once").env("PASSERELLE_WATCH_CRASH", "convert:1:panic").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    let o = outcome(&s);
    assert_eq!(o.inputs["a clients lyon marseille.csv"].0, "errors");
    assert_eq!(o.inputs["b clients bordeaux paris.csv"].0, "archive");
    assert_eq!(o.outputs.len(), 1);
    let note = s.files("errors").into_iter().find(|f| f.ends_with(".error.txt")).unwrap();
    let note = String::from_utf8(s.read(&format!("errors/{note}"))).unwrap();
    assert!(note.contains("internal error") && note.contains("This is a bug"), "{note}");
    assert!(o.state["issued"].as_object().unwrap().keys().all(|k| !k.contains("530")), "no code kept for a");
}

#[test]
fn ctrl_c_stops_after_the_current_file_and_a_restart_does_the_rest() {
    let s = site(Timing { settle_ms: 30, min_age_ms: 0, debounce_ms: 10 });
    for (name, bytes) in batch() {
        s.drop_file(name, &bytes);
    }
    let child = s.spawn(&["--poll", "0.02"]);
    assert!(wait_until(Duration::from_secs(10), || !s.files("archive").is_empty() || !s.files("errors").is_empty()));
    let (code, log) = interrupt(child);
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("stopping after the current file") && log.contains("stopped"), "{log}");
    assert_eq!(s.files("work"), vec![".lock"], "nothing left half-done:\n{log}");
    // The first run may already have reached c, d and g (they fail): the restart fails only if one is left.
    let failing_left = s.files("inbox").iter().any(|f| ["c ", "d ", "g "].iter().any(|p| f.starts_with(p)));
    let out = s.cmd().arg("--once").output().unwrap();
    assert_eq!(out.status.code(), Some(if failing_left { 1 } else { 0 }), "c, d and g fail");
    let o = outcome(&s);
    assert_eq!(o.inputs.len(), batch().len());
    assert_eq!(o.outputs.len(), 6);
}

#[test]
fn once_ends_when_a_file_cannot_be_taken_and_says_so() {
    let s = site(FAST);
    // Its name in work/ (`ID_` + name) would be longer than the file system allows: the move
    // fails every time. `--once` must still end, with the good file converted.
    let long = format!("{}2026-11.csv", "commandes-boutique-".repeat(12));
    assert!(long.len() < 255 && long.len() + 21 > 255);
    s.drop_file(&long, &fixture("clients lyon marseille.csv"));
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    let mut child =
        s.cmd().arg("--once").stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let ended = wait_until(Duration::from_secs(20), || child.try_wait().unwrap().is_some());
    if !ended {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(ended, "--once did not end:\n{log}");
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("1 converted") && log.contains("1 that could not be taken (left in inbox/)"), "{log}");
    assert_eq!(s.files("inbox"), vec![long]);
}

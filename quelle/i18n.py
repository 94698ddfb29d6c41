"""The one catalogue of user-visible texts: the pages' texts and the fixed phrases of answers (the abstention, the
unsure answer's lead, „Stand …“, the timeline's heading, the sources heading of the OpenAI-compatible endpoint).
German by default, English switchable. Article text and the text an answerer writes never go through here. Pure
Python, no Streamlit: the core (quelle/answering, quelle/timeaware, quelle/api) and the faces import it."""

from __future__ import annotations

LANGUAGES = {"de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "de"

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "tagline": "Fragen an Ihre Nachrichtenartikel — jede Aussage mit Quelle.",
        "page_chat": "Chat",
        "page_articles": "Artikel",
        "page_batch": "Stapel",
        "page_evaluation": "Evaluation",
        "page_watch": "Beobachtet",
        "watch_button": "Beobachten",
        "watch_added": "Beobachtet: nach jedem Abgleich, der den Bestand ändert, wird die Frage neu gestellt.",
        "watch_intro": "Fragen, die offen bleiben: nach jedem Abgleich oder Hochladen neu gestellt. Eine neue Version "
        "entsteht, wenn sich die Tatsache ändert (ein anderer Wert, eine neuere Meldung) – nicht bei bloß anderer "
        "Formulierung.",
        "watch_none": "Noch keine beobachteten Fragen. Im Chat: „Beobachten“ unter einer Antwort.",
        "watch_check_now": "Jetzt prüfen",
        "watch_checking": "Prüfe die beobachteten Fragen …",
        "watch_checked": "{checked} geprüft · {changed} neue Version(en) · {failed} Fehler",
        "watch_new_total": "Neu seit Ihrem letzten Besuch: {n}",
        "watch_new": "Neu: {n}",
        "watch_new_one": "Neu",
        "watch_meta": "prüfen: {every} · {n} Version(en) · zuletzt geprüft {checked}",
        "watch_error": "Letzte Prüfung fehlgeschlagen: {error}",
        "watch_history": "Verlauf",
        "watch_remove": "Nicht mehr beobachten",
        "watch_cause": "Geändert durch:",
        "watch_version": "Version {n} · gefunden {when} · {reason} · Wert: {value} · Stand: {date}",
        "watch_version_cause": "Quelle: {title} ({date}, {source})",
        "watch_reason_first": "erste Antwort",
        "watch_reason_answered": "jetzt beantwortet",
        "watch_reason_lost": "keine sichere Antwort mehr",
        "watch_reason_value": "neuer Wert",
        "watch_reason_date": "neuere Meldung",
        "loading": "Lade Modell und Artikelbestand …",
        "language": "Sprache",
        "answering": "Antwort",
        "backend": "Antwort-Backend",
        "backend_extractive": "extraktiv (ohne LLM)",
        "backend_openai": "LLM (OpenAI-kompatibel)",
        "backend_llamacpp": "LLM (llama.cpp)",
        "model": "Modell",
        "retrieval": "Suche",
        "top_k": "Passagen pro Frage (top-k)",
        "mode": "Suchverfahren",
        "mode_dense": "semantisch (dense)",
        "mode_bm25": "Stichwörter (BM25)",
        "mode_hybrid": "hybrid",
        "filters": "Filter",
        "filter_sources": "Quellen",
        "filter_sources_all": "alle Quellen",
        "since": "von",
        "until": "bis",
        "collection": "Bestand",
        "stat_articles": "Artikel",
        "stat_chunks": "Passagen",
        "stat_model": "Einbettungsmodell",
        "new_chat": "Neuer Chat",
        "chat_placeholder": "Frage stellen, z. B. „Wo plant Alibaba neue Rechenzentren?“",
        "empty_store": "Noch keine Artikel im Bestand. Laden Sie auf der Seite „Artikel“ welche hoch.",
        "searching": "Suche in den Artikeln …",
        "found": "{n} Passagen gefunden",
        "writing": "Antwort wird geschrieben …",
        "done": "Fertig",
        "failed_status": "Fehler",
        "sources": "Quellen",
        "page": "S. {n}",
        "open_article": "Artikel öffnen",
        "also_at": "auch bei: {outlets}",
        "also_more": "und {n} weitere",
        "first_published": "zuerst erschienen am {date}",
        "groups_title": "Kopien (syndizierte und aktualisierte Fassungen)",
        "groups_caption": "Fast gleiche Artikel bilden eine Gruppe: Antworten zitieren eine Fassung und nennen die anderen. Zuerst steht die früheste Fassung.",
        "groups_none": "Keine Kopien im Bestand.",
        "col_group": "Gruppe",
        "col_also": "auch bei",
        "unsupported_note": "Rot markierte Sätze sind durch die zitierten Passagen nicht belegt — bitte prüfen.",
        "unsupported_list": "Nicht belegt:",
        "abstained_note": "Die gefundenen Passagen beantworten die Frage nicht; deshalb keine Antwort.",
        "unsure_note": "Keine dieser Stellen beantwortet die Frage sicher: bitte selbst prüfen.",
        "fallback": "Hinweis: {reason}",
        # issue 20: the date filter read from the question; {range}: the publication dates it admits (the period and
        # the report lag after it, quelle/timeaware/answers.py REPORT_LAG_DAYS)
        "time_chip": "Zeitraum {text}: Meldungen {range}",
        "time_chip_help": "Filter entfernen: dieselbe Frage ohne Zeitraum stellen",
        "time_dropped": "Zum Zeitraum {text} (Meldungen {range}) finde ich nichts; die Antwort gilt ohne diesen Zeitraum.",
        "time_since": "ab {date}",
        "time_until": "bis {date}",
        "time_earlier": "Frühere Meldungen",
        "error": "Fehler: {message}",
        "timing": "{backend} · {total} ms",
        "articles_title": "Artikel",
        "upload": "Artikel hochladen",
        "upload_help": "Mehrere Dateien möglich: {types}. Höchstens {mb} MB pro Datei.",
        "upload_button": "Hinzufügen",
        "upload_none": "Bitte zuerst Dateien auswählen.",
        "uploading": "Verarbeite {name} …",
        "upload_done": "Fertig: {summary}",
        "status_added": "hinzugefügt",
        "status_updated": "aktualisiert",
        "status_unchanged": "unverändert",
        "status_failed": "fehlgeschlagen",
        "status_skipped": "übersprungen",
        "status_duplicate": "Duplikat (Text schon gespeichert)",
        "too_large": "die Datei hat {size:.1f} MB; erlaubt sind höchstens {limit:g} MB (QUELLE_MAX_FILE_MB)",
        "unsupported_type": "Dateityp '{suffix}' wird nicht unterstützt (unterstützt: {types})",
        "list": "Gespeicherte Artikel",
        "search": "Suchen (Titel, Quelle, ID)",
        "count": "{shown} von {total} Artikeln",
        "embedding_progress": "Einbettung: {done} von {total} Passagen eingebettet — {pending} warten "
        "(schon über Stichwörter durchsuchbar, die semantische Suche folgt).",
        "embed_button": "Jetzt einbetten",
        "embedding_running": "Bette ein: {done} von {total} Passagen …",
        "embedding_busy": "Ein anderer Prozess bettet die wartenden Passagen gerade ein.",
        "embedding_done": "Eingebettet: {n} Passagen.",
        "col_title": "Titel",
        "col_date": "Datum",
        "col_source": "Quelle",
        "col_chunks": "Passagen",
        "col_id": "ID",
        "delete": "Artikel löschen",
        "delete_pick": "Artikel",
        "delete_button": "Löschen",
        "deleted": "Gelöscht: {title} ({n} Passagen)",
        "no_articles": "Keine Artikel gefunden.",
        "batch_intro": "Fragendatei hochladen (.txt: eine Frage pro Zeile; .csv mit Spalte `question`; .jsonl) — "
        "alle Fragen werden mit den Einstellungen der Seitenleiste beantwortet.",
        "batch_file": "Fragendatei",
        "batch_format": "Ausgabeformat",
        "batch_start": "Fragen beantworten",
        "batch_progress": "{done} von {total} Fragen beantwortet",
        "batch_summary": "{total} Fragen: {answered} beantwortet, {abstained} ohne Antwort, {errors} Fehler · {seconds} s",
        "batch_download": "Antworten herunterladen ({name})",
        "eval_intro": "Goldfragen (.jsonl, .json oder .csv) gegen den aktuellen Bestand auswerten oder einen "
        "vorhandenen Bericht öffnen.",
        "eval_run": "Auswertung starten",
        "eval_gold": "Goldfragen-Datei",
        "eval_demo": "Demo-Goldfragen verwenden (data/demo/gold.jsonl)",
        "eval_progress": "{done} von {total} Fragen ausgewertet",
        "eval_open": "Vorhandenen Bericht öffnen (Ordner mit metrics.json)",
        "eval_open_button": "Öffnen",
        "eval_missing": "Kein Bericht in {path} (metrics.json fehlt).",
        "eval_metrics": "Kennzahlen",
        "eval_plots": "Diagramme",
        "eval_download": "{name} herunterladen",
        "eval_need_gold": "Bitte eine Goldfragen-Datei hochladen oder die Demo-Goldfragen wählen.",
        "login_title": "Anmelden",
        "login_intro": "Diese Quelle ist passwortgeschützt. Bitte mit dem Passwort zum Lesen oder für die Redaktion "
        "anmelden.",
        "login_password": "Passwort",
        "login_button": "Anmelden",
        "login_failed": "Falsches Passwort.",
        "logout": "Abmelden",
        "signed_in_as": "Angemeldet: {role}",
        "role_reader": "Lesen",
        "role_editor": "Redaktion",
        "access_denied": "Nicht erlaubt: Hochladen, Löschen und Feeds sind der Rolle „Redaktion“ vorbehalten.",
        "access_read_only": "Lesezugriff: Hochladen, Löschen und Feeds verwalten kann nur die Redaktion.",
        "access_all_interfaces": "{host}, alle Netzwerkschnittstellen",
        "access_refused": "Quelle startet nicht: Die App ist im Netzwerk erreichbar ({host}), aber kein Passwort ist "
        "gesetzt. Setzen Sie QUELLE_READER_PASSWORD und/oder QUELLE_EDITOR_PASSWORD (Umgebung oder "
        ".streamlit/secrets.toml), binden Sie nur an 127.0.0.1 (Standard) oder erlauben Sie offenen "
        "Zugriff bewusst mit QUELLE_ALLOW_OPEN=1.",
        "access_open_banner": "Offen im Netzwerk: Quelle ist ohne Passwort erreichbar ({host}; "
        "QUELLE_ALLOW_OPEN=1). Jede und jeder im Netz kann fragen, Artikel hochladen und löschen.",
    },
    "en": {
        "tagline": "Ask your news articles — every claim with its source.",
        "page_chat": "Chat",
        "page_articles": "Articles",
        "page_batch": "Batch",
        "page_evaluation": "Evaluation",
        "page_watch": "Watched",
        "watch_button": "Watch",
        "watch_added": "Watched: asked again after every sync that changes the collection.",
        "watch_intro": "Questions that stay open: asked again after every sync or upload. A new version is kept when "
        "the fact changes (another value, a newer report) – not when only the wording does.",
        "watch_none": "No watched questions yet. In the chat: „Watch“ under an answer.",
        "watch_check_now": "Check now",
        "watch_checking": "Checking the watched questions …",
        "watch_checked": "{checked} checked · {changed} new version(s) · {failed} failed",
        "watch_new_total": "New since your last visit: {n}",
        "watch_new": "New: {n}",
        "watch_new_one": "New",
        "watch_meta": "checked: {every} · {n} version(s) · last checked {checked}",
        "watch_error": "The last check failed: {error}",
        "watch_history": "History",
        "watch_remove": "Stop watching",
        "watch_cause": "Changed by:",
        "watch_version": "Version {n} · found {when} · {reason} · value: {value} · as of: {date}",
        "watch_version_cause": "Source: {title} ({date}, {source})",
        "watch_reason_first": "first answer",
        "watch_reason_answered": "answered now",
        "watch_reason_lost": "no sure answer any more",
        "watch_reason_value": "new value",
        "watch_reason_date": "newer report",
        "loading": "Loading model and article store …",
        "language": "Language",
        "answering": "Answer",
        "backend": "Answer backend",
        "backend_extractive": "extractive (no LLM)",
        "backend_openai": "LLM (OpenAI-compatible)",
        "backend_llamacpp": "LLM (llama.cpp)",
        "model": "Model",
        "retrieval": "Retrieval",
        "top_k": "Passages per question (top-k)",
        "mode": "Retrieval mode",
        "mode_dense": "semantic (dense)",
        "mode_bm25": "keywords (BM25)",
        "mode_hybrid": "hybrid",
        "filters": "Filters",
        "filter_sources": "Sources",
        "filter_sources_all": "all sources",
        "since": "from",
        "until": "until",
        "collection": "Collection",
        "stat_articles": "Articles",
        "stat_chunks": "Passages",
        "stat_model": "Embedding model",
        "new_chat": "New chat",
        "chat_placeholder": "Ask a question, e.g. “Where does Alibaba plan new data centres?”",
        "empty_store": "No articles stored yet. Upload some on the “Articles” page.",
        "searching": "Searching the articles …",
        "found": "{n} passages found",
        "writing": "Writing the answer …",
        "done": "Done",
        "failed_status": "Error",
        "sources": "Sources",
        "page": "p. {n}",
        "open_article": "Open article",
        "also_at": "also in: {outlets}",
        "also_more": "and {n} more",
        "first_published": "first published on {date}",
        "groups_title": "Copies (syndicated and updated versions)",
        "groups_caption": "Near-identical articles form a group: answers cite one version and name the others. The earliest version comes first.",
        "groups_none": "No copies in the collection.",
        "col_group": "Group",
        "col_also": "also in",
        "unsupported_note": "Sentences marked red are not supported by the cited passages — please check them.",
        "unsupported_list": "Not supported:",
        "abstained_note": "The passages found do not answer the question, so there is no answer.",
        "unsure_note": "None of these passages answers the question for sure: please check them yourself.",
        "fallback": "Note: {reason}",
        "time_chip": "Period {text}: reports {range}",
        "time_chip_help": "Remove the filter: ask the same question without the period",
        "time_dropped": "Nothing found for {text} (reports {range}); the answer ignores this period.",
        "time_since": "from {date}",
        "time_until": "until {date}",
        "time_earlier": "Earlier reports",
        "error": "Error: {message}",
        "timing": "{backend} · {total} ms",
        "articles_title": "Articles",
        "upload": "Upload articles",
        "upload_help": "Several files at once: {types}. At most {mb} MB per file.",
        "upload_button": "Add",
        "upload_none": "Please choose files first.",
        "uploading": "Processing {name} …",
        "upload_done": "Done: {summary}",
        "status_added": "added",
        "status_updated": "updated",
        "status_unchanged": "unchanged",
        "status_failed": "failed",
        "status_skipped": "skipped",
        "status_duplicate": "duplicate (text already stored)",
        "too_large": "the file has {size:.1f} MB; at most {limit:g} MB are allowed (QUELLE_MAX_FILE_MB)",
        "unsupported_type": "file type '{suffix}' is not supported (supported: {types})",
        "list": "Stored articles",
        "search": "Search (title, source, id)",
        "count": "{shown} of {total} articles",
        "embedding_progress": "Embedding: {done} of {total} passages embedded — {pending} waiting "
        "(already searchable by keywords; semantic search follows).",
        "embed_button": "Embed now",
        "embedding_running": "Embedding: {done} of {total} passages …",
        "embedding_busy": "Another process is embedding the waiting passages.",
        "embedding_done": "Embedded: {n} passages.",
        "col_title": "Title",
        "col_date": "Date",
        "col_source": "Source",
        "col_chunks": "Passages",
        "col_id": "ID",
        "delete": "Delete an article",
        "delete_pick": "Article",
        "delete_button": "Delete",
        "deleted": "Deleted: {title} ({n} passages)",
        "no_articles": "No articles found.",
        "batch_intro": "Upload a question file (.txt: one question per line; .csv with a `question` column; .jsonl) — "
        "every question is answered with the sidebar's settings.",
        "batch_file": "Question file",
        "batch_format": "Output format",
        "batch_start": "Answer the questions",
        "batch_progress": "{done} of {total} questions answered",
        "batch_summary": "{total} questions: {answered} answered, {abstained} without answer, {errors} errors · {seconds} s",
        "batch_download": "Download the answers ({name})",
        "eval_intro": "Evaluate gold questions (.jsonl, .json or .csv) against the current collection, or open an "
        "existing report.",
        "eval_run": "Run the evaluation",
        "eval_gold": "Gold question file",
        "eval_demo": "Use the demo gold questions (data/demo/gold.jsonl)",
        "eval_progress": "{done} of {total} questions evaluated",
        "eval_open": "Open an existing report (folder with metrics.json)",
        "eval_open_button": "Open",
        "eval_missing": "No report in {path} (metrics.json is missing).",
        "eval_metrics": "Metrics",
        "eval_plots": "Plots",
        "eval_download": "Download {name}",
        "eval_need_gold": "Please upload a gold question file or choose the demo gold questions.",
        "login_title": "Sign in",
        "login_intro": "This Quelle is password-protected. Please sign in with the reader or the editor password.",
        "login_password": "Password",
        "login_button": "Sign in",
        "login_failed": "Wrong password.",
        "logout": "Sign out",
        "signed_in_as": "Signed in: {role}",
        "role_reader": "reader",
        "role_editor": "editor",
        "access_denied": "Not allowed: uploading, deleting and feeds are reserved for the editor role.",
        "access_read_only": "Read-only access: only editors can upload, delete and manage feeds.",
        "access_all_interfaces": "{host}, all network interfaces",
        "access_refused": "Quelle does not start: the app is reachable from the network ({host}) but no password is "
        "set. Set QUELLE_READER_PASSWORD and/or QUELLE_EDITOR_PASSWORD (environment or "
        ".streamlit/secrets.toml), bind to 127.0.0.1 only (the default) or allow open access on "
        "purpose with QUELLE_ALLOW_OPEN=1.",
        "access_open_banner": "Open on the network: Quelle is reachable without a password ({host}; "
        "QUELLE_ALLOW_OPEN=1). Anyone on the network can ask, upload and delete articles.",
    },
}


# issue 21: feedback under answers, kept chats, „Exportieren“, feedback on the Evaluation page
TEXTS["de"].update(
    {
        "fb_thanks": "Danke für Ihre Bewertung.",
        "fb_correction": "Richtige Antwort (optional)",
        "fb_correction_hint": "Wie hätte die Antwort lauten sollen?",
        "fb_reason": "Was war falsch?",
        "fb_reason_wrong_source": "falsche Quelle",
        "fb_reason_wrong_passage": "falsche Stelle",
        "fb_reason_should_abstain": "hätte nicht antworten sollen",
        "fb_reason_should_answer": "sollte antworten",
        "fb_send": "Senden",
        "fb_saved": "Gespeichert:",
        "fb_stored_correction": "Richtige Antwort:",
        "export": "Exportieren",
        "export_markdown": "Als Markdown (mit Quellen)",
        "export_json": "Als JSON (ask --json)",
        "fb_section": "Bewertungen aus dem Chat",
        "fb_intro": "Mit 👍/👎 bewertete Antworten werden zu Goldfragen: Korrekturen und bestätigte Antworten als "
        "Antworten, „hätte nicht antworten sollen“ als unbeantwortbar. Die Auswertung fragt mit den "
        "Einstellungen der Seitenleiste erneut.",
        "fb_counts": "{total} Bewertungen (👍 {up} · 👎 {down}) · {gold} als Goldfragen nutzbar · {skipped} ohne "
        "richtige Antwort übersprungen",
        "fb_none": "Noch keine Bewertungen. Bewerten Sie Antworten im Chat mit 👍 oder 👎.",
        "fb_run": "Bewertungen auswerten",
        "fb_download": "Als Goldfragen herunterladen (feedback-gold.jsonl)",
        "fb_changed": "{changed} von {total} bewerteten Antworten würden sich jetzt ändern.",
        "fb_col_time": "Zeit",
        "fb_col_rating": "Bewertung",
        "fb_col_question": "Frage",
        "fb_col_answer": "Antwort",
        "fb_col_reason": "Grund",
        "fb_col_correction": "Richtige Antwort",
    }
)
TEXTS["en"].update(
    {
        "fb_thanks": "Thank you for your rating.",
        "fb_correction": "Correct answer (optional)",
        "fb_correction_hint": "What should the answer have been?",
        "fb_reason": "What was wrong?",
        "fb_reason_wrong_source": "wrong source",
        "fb_reason_wrong_passage": "wrong passage",
        "fb_reason_should_abstain": "should not have answered",
        "fb_reason_should_answer": "should have answered",
        "fb_send": "Send",
        "fb_saved": "Saved:",
        "fb_stored_correction": "Correct answer:",
        "export": "Export",
        "export_markdown": "As Markdown (with sources)",
        "export_json": "As JSON (ask --json)",
        "fb_section": "Ratings from the chat",
        "fb_intro": "Answers rated 👍/👎 become gold questions: corrections and confirmed answers as answers, "
        "“should not have answered” as unanswerable. The evaluation asks again with the sidebar's settings.",
        "fb_counts": "{total} ratings (👍 {up} · 👎 {down}) · {gold} usable as gold questions · {skipped} skipped "
        "without a correct answer",
        "fb_none": "No ratings yet. Rate answers in the chat with 👍 or 👎.",
        "fb_run": "Evaluate the ratings",
        "fb_download": "Download as gold questions (feedback-gold.jsonl)",
        "fb_changed": "{changed} of {total} rated answers would now change.",
        "fb_col_time": "Time",
        "fb_col_rating": "Rating",
        "fb_col_question": "Question",
        "fb_col_answer": "Answer",
        "fb_col_reason": "Reason",
        "fb_col_correction": "Correct answer",
    }
)

# the owner-bound chats, the Evaluation page's report folders per role, deleting all feedback from the UI
TEXTS["de"].update(
    {
        "eval_open_help_reader": "Mit der Rolle „Lesen“: ein Bericht im Datenordner von Quelle oder einer, den Sie in "
        "dieser Sitzung erstellt haben.",
        "eval_open_help_editor": "Ein Ordner auf dem Server mit metrics.json (z. B. von `quelle eval --report`).",
        "eval_refused_reader": "Nicht erlaubt: Mit der Rolle „Lesen“ lassen sich nur Berichte im Datenordner von Quelle "
        "oder in dieser Sitzung erstellte Berichte öffnen ({path}).",
        "eval_no_folder": "Kein Ordner: {path}",
        "chat_foreign": "Dieser Chat gehört zu einer anderen Sitzung und wird nicht geöffnet; ein neuer Chat beginnt.",
        "fb_clear": "Alle Bewertungen und Chats löschen",
        "fb_clear_confirm": "Alle {ratings} Bewertungen und {chats} gespeicherten Chats in {data_dir} endgültig löschen? "
        "Das lässt sich nicht rückgängig machen.",
        "fb_clear_yes": "Ja, alles löschen",
        "fb_clear_cancel": "Abbrechen",
        "fb_cleared": "Gelöscht: {ratings} Bewertung(en), {chats} Chat(s).",
        "fb_clear_denied": "Nicht erlaubt: Bewertungen und Chats löschen darf nur die Rolle „Redaktion“.",
    }
)
TEXTS["en"].update(
    {
        "eval_open_help_reader": "With the reader role: a report in Quelle's data folder or one you made in this session.",
        "eval_open_help_editor": "A folder on the server with metrics.json (e.g. from `quelle eval --report`).",
        "eval_refused_reader": "Not allowed: the reader role can open only reports in Quelle's data folder or reports "
        "made in this session ({path}).",
        "eval_no_folder": "Not a folder: {path}",
        "chat_foreign": "This chat belongs to another session and is not opened; a new chat starts.",
        "fb_clear": "Delete all ratings and chats",
        "fb_clear_confirm": "Permanently delete all {ratings} ratings and {chats} stored chats in {data_dir}? This cannot "
        "be undone.",
        "fb_clear_yes": "Yes, delete everything",
        "fb_clear_cancel": "Cancel",
        "fb_cleared": "Deleted: {ratings} rating(s), {chats} chat(s).",
        "fb_clear_denied": "Not allowed: only the editor role may delete ratings and chats.",
    }
)

# the fixed phrases of answers (every face shows them: chat, CLI, API, batch, exports)
TEXTS["de"].update(
    {
        "answer_abstain": "In den Artikeln finde ich dazu keine Angabe.",
        "answer_unsure_lead": "Keine sichere Antwort gefunden. Am nächsten kommen diese Stellen:",
        "answer_stand": "Stand {date} (Quelle [{n}]): ",
        "answer_chronology": "Chronologie:",
        "answer_sources": "Quellen",
    }
)
TEXTS["en"].update(
    {
        "answer_abstain": "The articles don't say.",
        "answer_unsure_lead": "No sure answer found. These passages come closest:",
        "answer_stand": "As of {date} (source [{n}]): ",
        "answer_chronology": "Timeline:",
        "answer_sources": "Sources",
    }
)


def every_language(key: str) -> list[str]:
    """The text `key` in every language (to recognise it in a stored or generated answer)."""
    return [table[key] for table in TEXTS.values() if key in table]


# issue 31: a store built with another embedding model, and the editors' „Neu einbetten“
TEXTS["de"].update(
    {
        "reembed_mismatch": "Der Artikelbestand wurde mit dem Einbettungsmodell „{old}“ erstellt, eingestellt ist "
        "„{new}“ (QUELLE_EMBEDDING_MODEL). Setzen Sie QUELLE_EMBEDDING_MODEL wieder auf „{old}“ oder betten Sie "
        "alle Passagen mit „{new}“ neu ein (Redaktion: hier mit „Neu einbetten“ oder mit `quelle reembed`).",
        "reembed_ask_editor": "Neu einbetten kann nur die Redaktion (oder `quelle reembed` auf dem Server).",
        "reembed_title": "Neu einbetten",
        "reembed_explain": "Bettet alle {total} Passagen mit „{new}“ neu ein. Bis alle fertig sind, bleiben die "
        "alten Vektoren in Kraft (Prozesse mit dem alten Modell antworten weiter), dann wird auf einmal umgeschaltet. "
        "Ein abgebrochener Lauf macht beim nächsten Mal dort weiter, wo er stand.",
        "reembed_resume": "Aus einem abgebrochenen Lauf sind schon {done} von {total} Passagen neu eingebettet; "
        "sie werden behalten.",
        "reembed_button": "Neu einbetten",
        "reembed_running": "Bette neu ein …",
        "reembed_progress": "Neu eingebettet: {done} von {total} Passagen",
        "reembed_busy": "Gerade läuft ein Import oder eine andere Neu-Einbettung. Bitte versuchen Sie es gleich noch "
        "einmal.",
        "reembed_failed": "Neu einbetten ist abgebrochen: {error}. Die schon eingebetteten Passagen bleiben erhalten; "
        "„Neu einbetten“ macht dort weiter.",
        "reembed_done": "Neu eingebettet mit „{model}“: {total} Passagen. Der Bestand nutzt jetzt das neue Modell.",
    }
)
TEXTS["en"].update(
    {
        "reembed_mismatch": "The article store was built with the embedding model “{old}”, but “{new}” is "
        "configured (QUELLE_EMBEDDING_MODEL). Set QUELLE_EMBEDDING_MODEL back to “{old}” or re-embed every passage "
        "with “{new}” (editors: here with “Re-embed” or with `quelle reembed`).",
        "reembed_ask_editor": "Only editors can re-embed (or `quelle reembed` on the server).",
        "reembed_title": "Re-embed",
        "reembed_explain": "Embeds all {total} passages again with “{new}”. Until all are done the old vectors stay in "
        "force (processes on the old model keep answering), then the store switches at once. A run that stopped "
        "goes on where it stood next time.",
        "reembed_resume": "A run that stopped already re-embedded {done} of {total} passages; they are kept.",
        "reembed_button": "Re-embed",
        "reembed_running": "Re-embedding …",
        "reembed_progress": "Re-embedded: {done} of {total} passages",
        "reembed_busy": "An import or another re-embedding is running. Please try again in a moment.",
        "reembed_failed": "Re-embedding stopped: {error}. The passages embedded so far are kept; “Re-embed” goes on "
        "from there.",
        "reembed_done": "Re-embedded with “{model}”: {total} passages. The store now uses the new model.",
    }
)


def text(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The UI text `key` in `language` (German when unknown), formatted with `values`."""
    table = TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])
    template = table.get(key) or TEXTS[DEFAULT_LANGUAGE].get(key, key)
    return template.format(**values) if values else template

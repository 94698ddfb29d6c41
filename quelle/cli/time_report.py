"""`quelle ask` output of the time-aware parts (issue 20): the time filter read from the question (stderr), and the
earlier reports of conflicting ones („Frühere Meldungen“, stdout, after the answer)."""

from __future__ import annotations

from rich.markup import escape


def _range(tf: dict) -> str:
    since, until = tf.get("since"), tf.get("until")
    if since and until:
        return since if since == until else f"{since} – {until}"
    return f"ab {since}" if since else f"bis {until}"


def print_time(answer, out, err) -> None:
    tf = answer.time_filter
    if tf:
        if tf.get("applied", True):
            err.print(
                f"Zeitraum „{escape(tf['from_text'])}“: Meldungen {_range(tf)} (ohne ihn: --no-time)", soft_wrap=True
            )
        else:
            err.print(
                f"Hinweis: zum Zeitraum „{escape(tf['from_text'])}“ (Meldungen {_range(tf)}) finde ich nichts; die Antwort "
                "gilt ohne diesen Zeitraum.",
                soft_wrap=True,
            )
    if "conflict" in answer.flags and len(answer.timeline) > 1:
        out.print("\n[bold]Frühere Meldungen[/bold]")
        for e in answer.timeline[1:]:
            value = f" — {escape(e['value'])}" if e.get("value") else ""
            out.print(f"  {e['date']}{value}: {escape(e['text'])} [{e['citation']}]", soft_wrap=True)

"""A dated story for the near-duplicate tests: one agency report in five versions (three outlets, a re-worded lead,
a cut version, an updated version with an added paragraph) and two different reports of the same event."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_article

LEAD = (
    "Ein Erdrutsch hat am Dienstagmorgen die Bundesstraße zwischen Talheim und Oberbergen verschüttet und mehrere "
    "Häuser beschädigt."
)
BODY = [
    "Nach Angaben der Polizei wurden bei dem Unglück vier Menschen leicht verletzt, zwei von ihnen kamen zur "
    "Beobachtung ins Kreiskrankenhaus. Rund 60 Bewohnerinnen und Bewohner der Siedlung am Mühlhang mussten ihre "
    "Wohnungen vorübergehend verlassen und wurden in der Turnhalle der Grundschule untergebracht.",
    "Auslöser war nach ersten Einschätzungen des Geologischen Dienstes der Dauerregen der vergangenen zwei Wochen, "
    "der den Hang oberhalb der Straße aufgeweicht habe. Ein Sprecher des Landratsamtes sagte, die Feuerwehr habe den "
    "betroffenen Abschnitt weiträumig abgesperrt und überwache den Hang mit Drohnen und Messgeräten.",
    "Die Bundesstraße bleibt nach Angaben der Straßenbauverwaltung mindestens bis Ende der Woche gesperrt. Eine "
    "Umleitung über Niederau ist ausgeschildert, Pendler müssen mit rund zwanzig Minuten längerer Fahrzeit rechnen.",
    "Bürgermeisterin Karin Lenz dankte den Einsatzkräften und kündigte an, dass die Gemeinde die Kosten für die "
    "Notunterkunft übernehmen werde. Die Schadenshöhe lasse sich noch nicht beziffern, hieß es aus dem Rathaus.",
]
UPDATE = (
    "Am Mittwochabend durften die ersten Bewohner in ihre Häuser zurückkehren, nachdem Fachleute den Hang erneut "
    "untersucht und keine weiteren Bewegungen gemessen hatten."
)
REWORDED_LEAD = (
    "In der Nacht zum Dienstag ist bei Talheim ein Hang abgerutscht: Geröll und Schlamm begruben die Bundesstraße "
    "nach Oberbergen, auch Wohnhäuser wurden getroffen."
)

# (file, source, date, url, text)
COPIES = [
    ("agentur.md", "Nachrichtenagentur", "2026-03-02", "https://agentur.example/erdrutsch", [LEAD, *BODY]),
    ("tagesblatt.md", "Tagesblatt", "2026-03-03", "https://tagesblatt.example/a/123", [REWORDED_LEAD, *BODY]),
    ("rundschau.md", "Rundschau", "2026-03-04", "https://rundschau.example/erdrutsch-talheim", [LEAD, *BODY[:3]]),
    ("abendpost.md", "Abendpost", "2026-03-05", "https://abendpost.example/talheim?v=2", [LEAD, *BODY, UPDATE]),
    (
        "kurier.md",
        "Nordkurier",
        "2026-03-03",
        "https://kurier.example/region/erdrutsch",
        [
            LEAD.replace("Dienstagmorgen", "Dienstag früh"),
            *BODY[:2],
            BODY[2].replace("mindestens", "voraussichtlich"),
            BODY[3],
        ],
    ),  # fmt: skip
]
OTHERS = [
    (
        "reportage.md",
        "Wochenzeitung",
        "2026-03-06",
        "https://woche.example/reportage-talheim",
        [
            "Drei Tage nach dem Erdrutsch von Talheim stehen die Bewohner des Mühlhangs vor ihren Gärten und wissen "
            "nicht, wann sie zurückkehren dürfen.",
            "Josef Brandl wohnt seit vierzig Jahren am Hang. Er habe das Knacken im Wald schon am Montag gehört, "
            "erzählt er, aber niemand habe ihm geglaubt. Nachbarn berichten von Rissen in Kellerwänden, die seit dem "
            "Herbst größer geworden seien.",
            "Geologen mahnen seit Jahren, die Hänge im Tal regelmäßig zu vermessen. Das Geld dafür fehle der "
            "Gemeinde, sagt ein Gemeinderat der Opposition, der das Thema im Frühjahr wieder auf die Tagesordnung "
            "setzen will.",
        ],
    ),
    (
        "kommentar.md",
        "Tagesblatt",
        "2026-03-04",
        "https://tagesblatt.example/meinung/hang",
        [
            "Der Erdrutsch bei Talheim ist eine Warnung, die das Land ernst nehmen muss.",
            "Wer Straßen durch steile Täler baut, muss die Hänge darüber kennen. Sensoren kosten wenig im Vergleich "
            "zu gesperrten Bundesstraßen und verschütteten Häusern. Die Landesregierung sollte ein Messnetz für alle "
            "gefährdeten Hänge finanzieren, bevor Menschen zu Schaden kommen, die nicht so viel Glück haben wie die "
            "Verletzten am Dienstag.",
        ],
    ),
]


def write_story(folder: Path, items=None) -> dict[str, Path]:
    """The story's files in `folder` ({file name: path})."""
    out = {}
    for name, source, date, url, paragraphs in items or COPIES + OTHERS:
        out[name] = write_article(
            folder, name, "\n\n".join(paragraphs), title=f"Erdrutsch bei Talheim ({source})", date=date,
            source=source, url=url,
        )  # fmt: skip
    return out

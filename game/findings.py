"""What the deck checker finds, in English and Swedish: every problem and warning as a key and
its parameters.

A `Finding` is the English text itself (a `str`: the CLI, the log, `DeckError` and the tests
read it as before) that also keeps its key and parameters, so `finding.text("sv")` says it in
Swedish from one table. A parameter is a file name, a cell or a number from the teacher's deck,
another `Finding` (said in the same language), or a library's or the system's own error text,
passed through as it is. English is the fallback for a language the table lacks.
"""

from __future__ import annotations

from typing import Any


class Finding(str):
    """A problem or warning of a deck, as English text; `text(lang)` says it in another
    language. Built with `Finding(key, **params)`; unknown keys fail at once."""

    key: str
    params: dict[str, str | int | float]

    def __new__(cls, key: str, /, **params: str | int | float) -> Finding:
        if key not in FINDINGS:
            raise KeyError(f"no finding {key!r}")
        self = super().__new__(cls, _render(key, params, "en"))
        self.key, self.params = key, params
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # copy, deepcopy (gr.State does) and pickle rebuild it from its key, not its text
        return (self.key,), dict(self.params)

    def text(self, lang: str = "en") -> str:
        return _render(self.key, self.params, lang)


def _render(key: str, params: dict[str, str | int | float], lang: str) -> str:
    table = FINDINGS[key]
    template = table.get(lang) or table["en"]
    said = {name: in_lang(v, lang) if isinstance(v, str) else v for name, v in params.items()}
    return template.format(**said)


def in_lang(text: str, lang: str) -> str:
    """`text` in `lang` if it is a `Finding`; any other text (a library's error, a file name, a
    message already said in the page's language) as it is."""
    return text.text(lang) if isinstance(text, Finding) else text


def at(file: str, message: str, line: int | None = None) -> Finding:
    """A finding with the file (and line) it is in: "items.csv, line 3: the answer is empty"."""
    if line:
        return Finding("at_line", file=file, line=line, message=message)
    return Finding("at_file", file=file, message=message)


FINDINGS: dict[str, dict[str, str]] = {
    # --- where ---------------------------------------------------------------------------------
    "at_file": {"en": "{file}: {message}", "sv": "{file}: {message}"},
    "at_line": {"en": "{file}, line {line}: {message}", "sv": "{file}, rad {line}: {message}"},
    # --- the deck folder and its text files (game/deck.py) -------------------------------------
    "not_a_folder": {"en": "is not a folder", "sv": "är ingen mapp"},
    "no_such_folder": {"en": "does not exist", "sv": "finns inte"},
    "unzip_first": {"en": "{what}; unzip it first", "sv": "{what}; packa upp den först"},
    "deck_is_a_folder": {
        "en": "{what}; a deck is a folder with {deck_file}",
        "sv": "{what}; en kortlek är en mapp med {deck_file}",
    },
    "found_inside": {
        "en": "is missing here but found in: {names}",
        "sv": "saknas här men finns i: {names}",
    },
    "missing": {"en": "is missing", "sv": "saknas"},
    "too_large_kb": {"en": "is too large (over {kb} KB)", "sv": "är för stor (över {kb} kB)"},
    "too_large_mb": {"en": "is too large (over {mb} MB)", "sv": "är för stor (över {mb} MB)"},
    "cannot_be_read": {"en": "cannot be read ({why})", "sv": "kan inte läsas ({why})"},
    "utf16_csv": {
        "en": "is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8' (Excel)",
        "sv": "är UTF-16-text (Excels 'Unicode-text'); spara den som 'CSV UTF-8' (Excel)",
    },
    "utf16": {
        "en": "is UTF-16 text; save it with UTF-8 encoding",
        "sv": "är UTF-16-text; spara den med teckenkodningen UTF-8",
    },
    "not_utf8_csv": {
        "en": "is not UTF-8 text; save it as 'CSV UTF-8' (Excel)",
        "sv": "är inte UTF-8-text; spara den som 'CSV UTF-8' (Excel)",
    },
    "not_utf8": {
        "en": "is not UTF-8 text; save it with UTF-8 encoding",
        "sv": "är inte UTF-8-text; spara den med teckenkodningen UTF-8",
    },
    "bad_toml": {"en": "is not valid TOML: {why}", "sv": "är inte giltig TOML: {why}"},
    "unknown_key": {
        "en": "unknown key {key!r} is ignored (known: {known})",
        "sv": "den okända nyckeln {key!r} hoppas över (kända: {known})",
    },
    "not_text": {
        "en": "{key} must be text in quotes, not {value}",
        "sv": "{key} måste vara text inom citattecken, inte {value}",
    },
    "needs_name": {
        "en": 'needs a name, e.g. name = "Djur"',
        "sv": 'behöver ett namn, t.ex. name = "Djur"',
    },
    "needs_language": {"en": 'needs language = "sv"', "sv": 'behöver language = "sv"'},
    "language_unsupported": {
        "en": 'language {language!r} is not supported; use language = "sv"',
        "sv": 'språket {language!r} stöds inte; skriv language = "sv"',
    },
    "no_licence": {
        "en": "has no license or attribution for its pictures",
        "sv": "anger ingen licens och inget upphov för bilderna",
    },
    # --- the table of cards: items.csv or items.xlsx -------------------------------------------
    "csv_broken": {
        "en": 'cannot be read from here on ({why}; is a quote " not closed?)',
        "sv": 'kan inte läsas härifrån ({why}; är ett citattecken " inte stängt?)',
    },
    "sheet_ignored": {
        "en": "sheet {sheet!r} is ignored: only the first, {first!r}, is read",
        "sv": "bladet {sheet!r} hoppas över: bara det första, {first!r}, läses",
    },
    "over_max_cards": {
        "en": "has over {n} cards; at most {n} fit a deck",
        "sv": "har fler än {n} kort; högst {n} ryms i en kortlek",
    },
    "too_many_cards": {
        "en": "has {count} cards; at most {n} fit a deck",
        "sv": "har {count} kort; högst {n} ryms i en kortlek",
    },
    "no_header": {
        "en": "is empty; it needs a header line: {columns}",
        "sv": "är tom; den behöver en rubrikrad: {columns}",
    },
    "value_without_header": {
        "en": "has a value in column {column}, which has no header: name it or clear it",
        "sv": "har ett värde i kolumn {column}, som saknar rubrik: ge den en rubrik eller töm den",
    },
    "cells_vs_header": {
        "en": "has {cells} cells but the header has {columns} columns "
        "(a {delimiter!r} inside a value needs quotes)",
        "sv": "har {cells} celler men rubrikraden har {columns} kolumner "
        "(ett {delimiter!r} inuti ett värde behöver citattecken)",
    },
    "cell_over_lines": {
        "en": 'a cell runs over lines {lines}: close the quote " it opens, or remove the '
        "line break in the cell",
        "sv": 'en cell sträcker sig över raderna {lines}: stäng citattecknet " som den öppnar, '
        "eller ta bort radbrytningen i cellen",
    },
    "unknown_column": {
        "en": "unknown column {column!r} (known: {known})",
        "sv": "okänd kolumn {column!r} (kända: {known})",
    },
    "column_twice": {
        "en": "column {column!r} appears twice",
        "sv": "kolumnen {column!r} finns två gånger",
    },
    "no_column": {"en": "has no {column!r} column", "sv": "saknar kolumnen {column!r}"},
    "csv_and_sheet": {
        "en": "the deck has both {csv} and {sheet}: keep one",
        "sv": "kortleken har både {csv} och {sheet}: behåll en av dem",
    },
    "other_format": {
        "en": "is {what}, which cannot be read: {save_as}",
        "sv": "är {what}, som inte kan läsas: {save_as}",
    },
    "no_table": {
        "en": "is missing (a deck lists its cards in it or in {sheet})",
        "sv": "saknas (en kortlek listar sina kort i den eller i {sheet})",
    },
    "no_cards": {"en": "has no cards", "sv": "har inga kort"},
    # --- a card --------------------------------------------------------------------------------
    "duplicate_answer": {
        "en": "duplicate answer {answer!r} (also on line {other})",
        "sv": "svaret {answer!r} finns två gånger (också på rad {other})",
    },
    "same_picture": {
        "en": "uses the same picture as line {other}",
        "sv": "använder samma bild som rad {other}",
    },
    "accepts_other_answer": {
        "en": "accepts {word!r}, the answer on line {other}",
        "sv": "godtar {word!r}, svaret på rad {other}",
    },
    "answer_empty": {"en": "the answer is empty", "sv": "svaret är tomt"},
    "answer_long": {
        "en": "the answer is over {n} characters",
        "sv": "svaret är längre än {n} tecken",
    },
    "answer_no_letters": {
        "en": "the answer {answer!r} has no letters",
        "sv": "svaret {answer!r} har inga bokstäver",
    },
    "article_mismatch": {
        "en": "the answer starts with {first!r} but article is {article!r}",
        "sv": "svaret börjar med {first!r} men artikeln är {article!r}",
    },
    "article_moved": {
        "en": "moved {first!r} from the answer to the article column",
        "sv": "flyttade {first!r} från svaret till artikelkolumnen",
    },
    "unknown_article": {
        "en": "unknown article {article!r}; use en, ett or leave it empty",
        "sv": "okänd artikel {article!r}; skriv en eller ett, eller lämna den tom",
    },
    # a hint column, as the English text names it: hint_sv is "the hint_sv"
    "column_hint": {"en": "hint", "sv": "ledtråden"},
    "column_hint_sv": {"en": "hint_sv", "sv": "ledtråden på svenska"},
    "column_hint_en": {"en": "hint_en", "sv": "ledtråden på engelska"},
    "hint_long": {
        "en": "the {column} is long (over {n} characters)",
        "sv": "{column} är lång (över {n} tecken)",
    },
    "hint_gives_away": {
        "en": "the {column} gives the answer away",
        "sv": "{column} avslöjar svaret",
    },
    "pronunciation_unread": {
        "en": "the pronunciation cannot be read, so Listen says the spelling: {why}",
        "sv": "uttalet kan inte läsas, så Lyssna säger stavningen: {why}",
    },
    # --- the files a card names (game/files.py) ------------------------------------------------
    "noun_picture": {"en": "picture", "sv": "bilden"},
    "noun_recording": {"en": "recording", "sv": "inspelningen"},
    "none_picture": {"en": "no picture given", "sv": "ingen bild angiven"},
    "none_recording": {"en": "no recording given", "sv": "ingen inspelning angiven"},
    "file_is": {"en": "{noun} {name!r} {what}", "sv": "{noun} {name!r} {what}"},
    "absolute_path": {
        "en": "is an absolute path; give it relative to the deck folder",
        "sv": "är en absolut sökväg; ange den från kortlekens mapp",
    },
    "leaves_folder": {"en": "leaves the deck folder", "sv": "går ut ur kortlekens mapp"},
    "cannot_be_opened": {"en": "cannot be opened ({why})", "sv": "kan inte öppnas ({why})"},
    "named_otherwise": {"en": "is named {real!r} in the folder", "sv": "heter {real!r} i mappen"},
    "not_found": {"en": "not found in the deck folder", "sv": "finns inte i kortlekens mapp"},
    "links_out": {
        "en": "links out of the deck folder",
        "sv": "är en länk ut ur kortlekens mapp",
    },
    "not_a_file": {"en": "is not a file", "sv": "är ingen fil"},
    "picture_format": {
        "en": "is a {format} picture; use PNG, JPEG or WebP",
        "sv": "är en {format}-bild; använd PNG, JPEG eller WebP",
    },
    "picture_huge": {
        "en": "is {width}x{height} pixels; scale it down below 40 megapixels",
        "sv": "är {width}x{height} pixlar; skala ner den till under 40 megapixlar",
    },
    "picture_bomb": {
        "en": "is far too large (over 40 megapixels); scale it down",
        "sv": "är alldeles för stor (över 40 megapixlar); skala ner den",
    },
    "not_a_picture": {
        "en": "is not a picture (PNG, JPEG or WebP)",
        "sv": "är ingen bild (PNG, JPEG eller WebP)",
    },
    "picture_damaged": {"en": "is a damaged picture ({why})", "sv": "är en skadad bild ({why})"},
    "picture_misnamed": {
        "en": "is a {format} picture named .{suffix}",
        "sv": "är en {format}-bild som heter .{suffix}",
    },
    "picture_small": {
        "en": "is only {width}x{height} pixels; it will look blurred (use {min}+)",
        "sv": "är bara {width}x{height} pixlar; den blir suddig (använd {min}+)",
    },
    "not_a_recording": {
        "en": "is not a recording (wav, mp3, ogg, flac, m4a or webm)",
        "sv": "är ingen inspelning (wav, mp3, ogg, flac, m4a eller webm)",
    },
    # --- a table kept in Excel (game/sheets.py) ------------------------------------------------
    "save_as": {
        "en": "save it as .xlsx (Excel Workbook) or as CSV UTF-8",
        "sv": "spara den som .xlsx (Excel-arbetsbok) eller som CSV UTF-8",
    },
    "save_again": {
        "en": "save it as .xlsx (Excel Workbook) or as CSV UTF-8 again",
        "sv": "spara den igen som .xlsx (Excel-arbetsbok) eller som CSV UTF-8",
    },
    "format_xls": {"en": "an old Excel workbook (.xls)", "sv": "en gammal Excel-arbetsbok (.xls)"},
    "format_ods": {
        "en": "an OpenDocument spreadsheet (.ods)",
        "sv": "ett OpenDocument-kalkylblad (.ods)",
    },
    "format_numbers": {"en": "a Numbers spreadsheet", "sv": "ett Numbers-kalkylblad"},
    "not_workbook": {
        "en": "cannot be read as an Excel workbook ({why}); {save_as}",
        "sv": "kan inte läsas som en Excel-arbetsbok ({why}); {save_as}",
    },
    "xls_or_password": {
        "en": "is an old Excel workbook (.xls) or a password-protected one: remove the password "
        "and {save_as}",
        "sv": "är en gammal Excel-arbetsbok (.xls) eller en lösenordsskyddad: ta bort lösenordet "
        "och {save_as}",
    },
    "sheet_is_text": {
        "en": "is text, not an Excel workbook: name it items.csv if it is a CSV",
        "sv": "är text, inte en Excel-arbetsbok: döp den till items.csv om den är en CSV",
    },
    "not_excel": {
        "en": "is not an Excel workbook; {save_as}",
        "sv": "är ingen Excel-arbetsbok; {save_as}",
    },
    "workbook_damaged": {
        "en": "is a damaged Excel workbook ({why}); {save_as}",
        "sv": "är en skadad Excel-arbetsbok ({why}); {save_as}",
    },
    "sheet_unpacks_large": {
        "en": "unpacks to over {mb} MB; {save_as}",
        "sv": "blir över {mb} MB uppackad; {save_as}",
    },
    "sheet_is_ods": {
        "en": "is an OpenDocument spreadsheet (.ods), not Excel; {save_as}",
        "sv": "är ett OpenDocument-kalkylblad (.ods), inte Excel; {save_as}",
    },
    "sheet_is_zip": {
        "en": "is a zip file, not an Excel workbook; {save_as}",
        "sv": "är en zip-fil, inte en Excel-arbetsbok; {save_as}",
    },
    "no_sheet": {
        "en": "has no sheet with cells (only charts?)",
        "sv": "har inget blad med celler (bara diagram?)",
    },
    "formula_without_result": {
        "en": "cell {cell} holds a formula without a saved result: open the file in Excel "
        "and save it once",
        "sv": "cell {cell} har en formel utan sparat resultat: öppna filen i Excel och spara "
        "den en gång",
    },
    "cell_error": {
        "en": "cell {cell} shows the error {error}; fix it in Excel",
        "sv": "cell {cell} visar felet {error}; rätta det i Excel",
    },
    # --- a zip (game/safezip.py) ----------------------------------------------------------------
    "archive_says": {"en": "{archive} {why}", "sv": "{archive} {why}"},
    "zip_broken": {
        "en": "{archive} cannot be unpacked ({reason})",
        "sv": "{archive} kan inte packas upp ({reason})",
    },
    "zip_many_files": {
        "en": "holds {count} files; at most {n} fit: split the deck, or leave out what it does "
        "not use",
        "sv": "innehåller {count} filer; högst {n} ryms: dela upp kortleken, eller ta bort det "
        "som den inte använder",
    },
    "zip_same_name": {
        "en": "holds two files named {name!r}; keep one",
        "sv": "innehåller två filer som heter {name!r}; behåll en av dem",
    },
    "zip_link": {
        "en": "holds a link ({name!r}); zip the real files instead",
        "sv": "innehåller en länk ({name!r}); zippa de riktiga filerna i stället",
    },
    "zip_absolute": {
        "en": "holds an absolute path ({name!r}); zip the deck folder instead",
        "sv": "innehåller en absolut sökväg ({name!r}); zippa kortlekens mapp i stället",
    },
    "zip_leaves": {
        "en": "holds a path that leaves its folder ({name!r}); refused",
        "sv": "innehåller en sökväg som går ut ur sin mapp ({name!r}); nekad",
    },
    "zip_password": {
        "en": "is password-protected ({name}); make it again without a password",
        "sv": "är lösenordsskyddad ({name}); gör om den utan lösenord",
    },
    "zip_bomb_ratio": {
        "en": "looks like a zip bomb ({name} shrank {ratio:.0f}:1)",
        "sv": "ser ut som en zip-bomb ({name} krympte {ratio:.0f}:1)",
    },
    "zip_bomb_grows": {
        "en": "looks like a zip bomb ({name} grows and grows)",
        "sv": "ser ut som en zip-bomb ({name} växer och växer)",
    },
    "zip_cannot_unpack": {
        "en": "cannot be unpacked: {name!r} ({why})",
        "sv": "kan inte packas upp: {name!r} ({why})",
    },
    "zip_too_large": {
        "en": "unpacks to over {mb:g} MB, too large: make it smaller (or its pictures)",
        "sv": "blir över {mb:g} MB uppackad, för stor: gör den mindre (eller dess bilder)",
    },
    "zip_member_too_large": {
        "en": "is too large: {name} is over {mb:g} MB unpacked; leave it out",
        "sv": "är för stor: {name} är över {mb:g} MB uppackad; ta bort den",
    },
    # --- an upload (game/upload.py) ------------------------------------------------------------
    "is_png": {"en": "a PNG picture", "sv": "en PNG-bild"},
    "is_jpeg": {"en": "a JPEG picture", "sv": "en JPEG-bild"},
    "is_gif": {"en": "a GIF picture", "sv": "en GIF-bild"},
    "is_webp": {"en": "a WebP picture", "sv": "en WebP-bild"},
    "is_pdf": {"en": "a PDF document", "sv": "ett PDF-dokument"},
    "is_ole": {
        "en": "an old Excel or Word file (.xls, .doc)",
        "sv": "en gammal Excel- eller Word-fil (.xls, .doc)",
    },
    "is_html": {
        "en": "a web page (HTML), not the file itself",
        "sv": "en webbsida (HTML), inte själva filen",
    },
    "something_else": {"en": "something else", "sv": "något annat"},
    "not_text_file": {"en": "not text", "sv": "inte text"},
    "nothing_uploaded": {
        "en": "Nothing was uploaded: choose a deck folder as .zip, an Anki .apkg, or a CSV "
        "together with its pictures.",
        "sv": "Inget laddades upp: välj en kortleksmapp som .zip, en Anki-fil (.apkg) eller en "
        "CSV tillsammans med dess bilder.",
    },
    "not_a_zip": {
        "en": "{name} is not a zip file but {what}; download or export it again",
        "sv": "{name} är ingen zip-fil utan {what}; ladda ner eller exportera den igen",
    },
    "zip_on_its_own": {
        "en": "Upload {name} on its own, without {others}.",
        "sv": "Ladda upp {name} ensam, utan {others}.",
    },
    "did_not_arrive": {
        "en": "{name} did not arrive ({why}); upload it again",
        "sv": "{name} kom inte fram ({why}); ladda upp den igen",
    },
    "empty_upload": {
        "en": "{name} is empty (0 bytes); upload it again",
        "sv": "{name} är tom (0 byte); ladda upp den igen",
    },
    "upload_too_large": {
        "en": "The upload is {mb:.1f} MB; at most {max:g} MB fit. Make the pictures smaller "
        "(1000 pixels wide is plenty).",
        "sv": "Uppladdningen är {mb:.1f} MB; högst {max:g} MB ryms. Gör bilderna mindre "
        "(1000 pixlar breda räcker gott).",
    },
    "zip_again": {"en": "{why}; zip the deck again", "sv": "{why}; zippa kortleken igen"},
    "top_folder_and": {"en": "the top folder, {others}", "sv": "översta mappen, {others}"},
    "several_decks": {
        "en": "holds {count} decks ({listed}) and none was taken: upload each deck folder as "
        "a zip of its own",
        "sv": "innehåller {count} kortlekar ({listed}) och ingen togs: ladda upp varje "
        "kortleksmapp som en egen zip-fil",
    },
    "zip_empty": {
        "en": "is empty: zip the deck folder with its items.csv and pictures",
        "sv": "är tom: zippa kortlekens mapp med dess items.csv och bilder",
    },
    "zip_is_workbook": {
        "en": "is an Excel workbook: upload it (as .xlsx, not zipped) together with its pictures",
        "sv": "är en Excel-arbetsbok: ladda upp den (som .xlsx, inte zippad) tillsammans med "
        "dess bilder",
    },
    "pictures_1": {"en": "1 picture", "sv": "1 bild"},
    "pictures_n": {"en": "{n} pictures", "sv": "{n} bilder"},
    "other_files_1": {"en": "1 other file", "sv": "1 annan fil"},
    "other_files_n": {"en": "{n} other files", "sv": "{n} andra filer"},
    "and": {"en": "{first} and {then}", "sv": "{first} och {then}"},
    "no_items": {
        "en": "holds {found} but no {items}: a deck needs {items} (a card a row: image,answer) "
        "next to its pictures",
        "sv": "innehåller {found} men ingen {items}: en kortlek behöver {items} (ett kort per "
        "rad: image,answer) bredvid sina bilder",
    },
    "no_items_rename": {
        "en": "holds {found} but no {items}: a deck needs {items} (a card a row: image,answer) "
        "next to its pictures; rename {table} to {to}",
        "sv": "innehåller {found} men ingen {items}: en kortlek behöver {items} (ett kort per "
        "rad: image,answer) bredvid sina bilder; döp om {table} till {to}",
    },
    "came_without_toml": {
        "en": "{name} came without a deck.toml, so the deck names no licence for its pictures: "
        '{how} with license = "CC-BY-4.0" (or the licence of the pictures) before sharing it',
        "sv": "{name} kom utan deck.toml, så kortleken anger ingen licens för bilderna: "
        '{how} med license = "CC-BY-4.0" (eller bildernas licens) innan du delar den',
    },
    "add_toml_to_zip": {"en": "add one to the zip", "sv": "lägg till en i zip-filen"},
    "upload_toml_with_it": {
        "en": "upload a deck.toml together with it",
        "sv": "ladda upp en deck.toml tillsammans med den",
    },
    "none": {"en": "none", "sv": "ingen"},
    "one_csv": {
        "en": "Upload one CSV listing the cards (got {got}) together with its pictures, or the "
        "deck folder as a .zip",
        "sv": "Ladda upp en CSV som listar korten (fick {got}) tillsammans med dess bilder, "
        "eller kortlekens mapp som .zip",
    },
    "not_csv": {
        "en": "{name} is not a CSV file ({what}); save it as CSV UTF-8",
        "sv": "{name} är ingen CSV-fil ({what}); spara den som CSV UTF-8",
    },
    "pictures_it_names": {"en": "the pictures it names", "sv": "bilderna som den nämner"},
    "no_pictures": {
        "en": "{name} came without any pictures: select its pictures ({named}) together with the "
        "CSV when you upload, or upload the deck folder as a .zip",
        "sv": "{name} kom utan några bilder: välj dess bilder ({named}) tillsammans med CSV-filen "
        "när du laddar upp, eller ladda upp kortlekens mapp som .zip",
    },
    "same_name_twice": {
        "en": "Two uploaded files are named {name!r}; upload one",
        "sv": "Två uppladdade filer heter {name!r}; ladda upp en av dem",
    },
    "cannot_save_until_loads": {
        "en": "The deck cannot be saved until it loads:",
        "sv": "Kortleken kan inte sparas förrän den går att läsa in:",
    },
    "then_listed": {"en": "{before}\n  - {item}", "sv": "{before}\n  - {item}"},
    "folder_exists": {
        "en": "A deck folder {name!r} already exists: give the deck another name (in deck.toml) "
        "or choose to replace it",
        "sv": "Det finns redan en kortleksmapp {name!r}: ge kortleken ett annat namn (i "
        "deck.toml) eller välj att ersätta den",
    },
    "not_saved": {
        "en": "The deck could not be saved ({why}); nothing was changed",
        "sv": "Kortleken kunde inte sparas ({why}); inget ändrades",
    },
    # --- what an Anki import left out ----------------------------------------------------------
    "anki_no_licence": {
        "en": "the Anki deck has no licence for its pictures (Anki packages carry none); save it "
        "for everyone only if its pictures may be shared",
        "sv": "Anki-kortleken anger ingen licens för bilderna (Anki-paket har ingen); spara den "
        "för alla bara om bilderna får delas",
    },
    "notes_left_out": {
        "en": "{count} of {of} notes were left out (a card needs a picture and a word)",
        "sv": "{count} av {of} anteckningar togs inte med (ett kort behöver en bild och ett ord)",
    },
    "kept_without_audio_1": {
        "en": "1 card kept without its recording",
        "sv": "1 kort behölls utan sin inspelning",
    },
    "kept_without_audio_n": {
        "en": "{n} cards kept without their recording",
        "sv": "{n} kort behölls utan sin inspelning",
    },
    "left_out": {"en": "left out", "sv": "togs inte med"},
    "kept_without_its": {"en": "kept without its recording", "sv": "behölls utan sin inspelning"},
    "note": {"en": "Note {note}: {what}, {why}", "sv": "Anteckning {note}: {what}, {why}"},
    "note_quoted": {
        "en": "Note {note} (“{text}”): {what}, {why}",
        "sv": "Anteckning {note} (”{text}”): {what}, {why}",
    },
    "more_notes_1": {"en": "… and 1 more note", "sv": "… och 1 anteckning till"},
    "more_notes_n": {"en": "… and {n} more notes", "sv": "… och {n} anteckningar till"},
    "more_cards_1": {"en": "… and 1 more card", "sv": "… och 1 kort till"},
    "more_cards_n": {"en": "… and {n} more cards", "sv": "… och {n} kort till"},
    # --- an Anki package (game/anki.py) --------------------------------------------------------
    "left_out_line": {"en": "note {note}: {why}", "sv": "anteckning {note}: {why}"},
    "left_out_quoted": {
        "en": "note {note} (“{text}”): {why}",
        "sv": "anteckning {note} (”{text}”): {why}",
    },
    "anki_picture": {"en": "picture", "sv": "bilden"},
    "anki_sound": {"en": "sound", "sv": "ljudet"},
    "skip_not_in_package": {
        "en": "its {what} {name!r} is not in the package",
        "sv": "{what} {name!r} finns inte i paketet",
    },
    "skip_unreadable_picture": {
        "en": "its picture {name!r} is not a readable picture ({why})",
        "sv": "bilden {name!r} går inte att läsa som bild ({why})",
    },
    "skip_picture_pixels": {
        "en": "its picture {name!r} is over {n} megapixels",
        "sv": "bilden {name!r} är över {n} megapixlar",
    },
    "skip_picture_kind": {
        "en": "its picture {name!r} is a {kind} file; only PNG, JPEG and WebP are used",
        "sv": "bilden {name!r} är en {kind}-fil; bara PNG, JPEG och WebP används",
    },
    "skip_picture_mb": {
        "en": "its picture {name!r} is over {mb} MB",
        "sv": "bilden {name!r} är över {mb} MB",
    },
    "skip_sound_kind": {
        "en": "its sound {name!r} is not a wav, mp3, ogg, flac, m4a or webm file",
        "sv": "ljudet {name!r} är ingen wav-, mp3-, ogg-, flac-, m4a- eller webm-fil",
    },
    "skip_sound_mb": {
        "en": "its sound {name!r} is over {mb} MB",
        "sv": "ljudet {name!r} är över {mb} MB",
    },
    "skip_no_note_type": {
        "en": "its note type is missing from the collection",
        "sv": "dess anteckningstyp saknas i samlingen",
    },
    "skip_no_field": {
        "en": "its note type {type!r} has no field {field!r}",
        "sv": "dess anteckningstyp {type!r} har inget fält {field!r}",
    },
    "skip_no_picture": {
        "en": "it has no picture (no <img> in any field)",
        "sv": "den har ingen bild (ingen <img> i något fält)",
    },
    "skip_answer_empty": {"en": "its answer is empty", "sv": "dess svar är tomt"},
    "skip_answer_long": {
        "en": "its answer is over {n} characters",
        "sv": "dess svar är längre än {n} tecken",
    },
    "skip_same_answer": {
        "en": "it has the same answer {answer!r} as note {other}",
        "sv": "den har samma svar {answer!r} som anteckning {other}",
    },
    "anki_media_list": {
        "en": "{name}: its media list cannot be read ({why})",
        "sv": "{name}: dess medielista kan inte läsas ({why})",
    },
    "anki_no_notes": {
        "en": "{name} holds no notes to import",
        "sv": "{name} innehåller inga anteckningar att importera",
    },
    "anki_bad_field": {
        "en": "{option} {wanted!r} is not a field of note type {type!r}; give a field name or "
        "number among: {listed}",
        "sv": "{option} {wanted!r} är inget fält i anteckningstypen {type!r}; ange ett fältnamn "
        "eller nummer bland: {listed}",
    },
    "anki_no_cards": {
        "en": "no note of {name} could become a card:",
        "sv": "ingen anteckning i {name} kunde bli ett kort:",
    },
    # Anki's own menu and options are named as its English version names them.
    "anki_new_format": {
        "en": "{name} was exported in Anki's new format (collection.anki21b), which cannot be "
        'imported. In Anki choose File › Export, pick "Anki Deck Package (*.apkg)", tick '
        '"Support older Anki versions (slower/larger files)", export again and import that file.',
        "sv": "{name} exporterades i Ankis nya format (collection.anki21b), som inte kan "
        'importeras. Välj Arkiv › Exportera i Anki, välj "Anki Deck Package (*.apkg)", kryssa i '
        '"Support older Anki versions (slower/larger files)", exportera igen och importera den '
        "filen.",
    },
    "anki_not_package": {
        "en": "{name} is a zip but not an Anki package: it holds no collection.anki2 or "
        "collection.anki21; export the deck from Anki as .apkg",
        "sv": "{name} är en zip-fil men inget Anki-paket: den innehåller ingen collection.anki2 "
        "eller collection.anki21; exportera kortleken från Anki som .apkg",
    },
    "anki_not_zip": {
        "en": "{name} is not an Anki package (not a zip file); export it from Anki as .apkg",
        "sv": "{name} är inget Anki-paket (ingen zip-fil); exportera den från Anki som .apkg",
    },
    "anki_export_again": {
        "en": "{why}; export the deck from Anki again",
        "sv": "{why}; exportera kortleken från Anki igen",
    },
    "anki_not_collection": {
        "en": "{name}: {member} is not an Anki collection ({why})",
        "sv": "{name}: {member} är ingen Anki-samling ({why})",
    },
}

"""Every string of the app in English and Swedish: one table for Gradio's I18n and the server.

Labels and buttons go through `gr.I18n` (`I18N(key)`), which the browser translates by its
language (Gradio's own strings come in Swedish already). What the server writes (feedback,
progress, the summary) is said with `say(key, lang)` from the same table, in the language the
learner's browser asks for, or the one chosen in the settings (`language_of`). The choice is
kept in the browser and given to Gradio's labels too (`LOAD_JS`, `SWITCH_JS`).
"""

from __future__ import annotations

import json

import gradio as gr

from classroom.errors import SAID as CLASS_SAID
from game.messages import language

STRINGS: dict[str, tuple[str, str]] = {
    # the page
    "tab_play": ("Play", "Spela"),
    "tab_decks": ("Decks", "Kortlekar"),
    "tab_class": ("Class", "Klass"),
    "class_code": ("Class code", "Klasskod"),
    "student_name": ("Your name", "Ditt namn"),
    "join": ("Join the class", "Gå med i klassen"),
    "teacher": ("For teachers: a class and its results", "För lärare: en klass och resultaten"),
    "class_name": ("Class name", "Klassens namn"),
    "class_decks": ("Decks the class plays", "Kortlekar klassen spelar"),
    "create_class": ("Create the class", "Skapa klassen"),
    "teacher_key": ("Teacher key", "Lärarnyckel"),
    "open_dashboard": ("Show the results", "Visa resultaten"),
    "students": ("Students", "Elever"),
    "missed_most": ("Words missed most", "Ord som missas mest"),
    "show_board": ("Show the leaderboard", "Visa topplistan"),
    "leaderboard": ("Leaderboard", "Topplista"),
    "export": ("Download every answer (CSV)", "Ladda ner alla svar (CSV)"),
    "export_file": ("Answers", "Svar"),
    "picture_alt": ("The picture to name in Swedish", "Bilden att säga på svenska"),
    "deck": ("Deck", "Kortlek"),
    "mic_press": ("Say the word: record, then stop", "Säg ordet: spela in, sedan stopp"),
    "mic_free": ("Say the word: I listen until you stop", "Säg ordet: jag lyssnar tills du slutar"),
    "typed": ("No microphone? Type it", "Ingen mikrofon? Skriv ordet"),
    "typed_placeholder": ("Type the word…", "Skriv ordet…"),
    "answer": ("Answer", "Svara"),
    "hint": ("💡 Hint", "💡 Ledtråd"),
    "listen": ("🔊 Listen", "🔊 Lyssna"),
    "skip": ("⏭ Skip", "⏭ Hoppa över"),
    "next": ("Next ▶", "Nästa ▶"),
    "play_again": ("Play again", "Spela igen"),
    "practise": ("Practise missed words", "Öva på missade ord"),
    "settings": ("Settings", "Inställningar"),
    "auto_next": ("Next picture automatically after an answer",
                  "Nästa bild automatiskt efter ett svar"),
    "mode": ("How to answer", "Hur du svarar"),
    "mode_free": ("Hands-free: just speak", "Handsfree: prata bara"),
    "mode_press": ("Press to record", "Tryck för att spela in"),
    "language": ("Language", "Språk"),
    "lang_auto": ("As my browser", "Som min webbläsare"),
    "reset": ("Reset my progress", "Nollställ mina framsteg"),
    "operator": ("For the operator", "För den som driver sidan"),
    "points_chart": ("Points per word", "Poäng per ord"),
    "accuracy_chart": ("Right answers over the round (%)", "Rätta svar under omgången (%)"),
    "chart_word": ("word", "ord"),
    "chart_points": ("points", "poäng"),
    "chart_result": ("result", "resultat"),
    "chart_card": ("card", "kort"),
    "chart_accuracy": ("right (%)", "rätt (%)"),
    "error_title": ("Error", "Fel"),
    "status_ready": ("🎙️ Speech recognition ready ({name}).",
                     "🎙️ Taligenkänningen är redo ({name})."),
    "status_none": ("⌨️ No speech model: type your answers.",
                    "⌨️ Ingen talmodell: skriv dina svar."),
    "status_loading": ("⏳ Loading the speech model ({name})… type your answers meanwhile.",
                       "⏳ Talmodellen ({name}) laddas… skriv dina svar så länge."),
    "status_failed": ("⚠️ The speech model could not load: {error} Type your answers.",
                      "⚠️ Talmodellen kunde inte laddas: {error} Skriv dina svar."),
    "upload_intro": (
        "Upload a deck: a **.zip** of a deck folder, an **Anki .apkg**, an **Excel .xlsx** "
        "with its pictures, or a **CSV** together with its pictures. Every problem is listed.",
        "Ladda upp en kortlek: en **.zip** med en kortleksmapp, en **Anki .apkg**, en **Excel "
        ".xlsx** med sina bilder eller en **CSV** med sina bilder. Alla fel listas.",
    ),
    "deck_files": ("Deck files", "Kortleksfiler"),
    "deck_name": ("Deck name (for a CSV upload)", "Kortlekens namn (för en CSV)"),
    "deck_name_placeholder": ("My words", "Mina ord"),
    "check": ("Check and play", "Kontrollera och spela"),
    "save": ("Save for everyone", "Spara för alla"),
    "uploaded_mark": ("(uploaded)", "(uppladdad)"),
    # what the server writes
    "prompt": ("What is this in Swedish?", "Vad är det här på svenska?"),
    "welcome_back": ("Welcome back: your round goes on.",
                     "Välkommen tillbaka: omgången fortsätter."),
    "practising": ("Practising the words you missed.", "Du övar på orden du missade."),
    "nothing_missed": ("Nothing missed: a new round!", "Inget missat: en ny omgång!"),
    "press_next": ("Press *Next* for the next picture.", "Tryck på *Nästa* för nästa bild."),
    "reset_done": ("Your progress is reset. A fresh start!",
                   "Dina framsteg är nollställda. En nystart!"),
    "nothing_recorded": ("Nothing was recorded. Press record, say the word, then stop.",
                         "Inget spelades in. Tryck på spela in, säg ordet och tryck på stopp."),
    "no_speech_model": ("Speech recognition is not available right now; type your answers.",
                        "Taligenkänningen fungerar inte just nu; skriv dina svar."),
    "model_loading": ("Speech recognition is starting… type your answers meanwhile.",
                      "Taligenkänningen startar… skriv dina svar så länge."),
    "listen_failed": ("Something went wrong while listening. Please try again, or type your "
                      "answer.", "Något gick fel när jag lyssnade. Försök igen, eller skriv "
                      "ditt svar."),
    "audio_too_long": ("The recording is {seconds} s long; answers can be at most {limit} s. "
                       "Say just the word.", "Inspelningen är {seconds} s lång; ett svar får "
                       "vara högst {limit} s. Säg bara ordet."),
    "engine_away": ("Speech recognition is not answering right now: type your answer.",
                    "Taligenkänningen svarar inte just nu: skriv ditt svar."),
    "audio_unusable": ("That recording could not be used. Try again, or type your answer.",
                       "Inspelningen gick inte att använda. Försök igen, eller skriv ditt svar."),
    "joined": ("### ✓ {name}, you are in {klass}", "### ✓ {name}, du är med i {klass}"),
    "rejoined": ("Welcome back: {points} points so far.",
                 "Välkommen tillbaka: {points} poäng hittills."),
    "your_pin": ("Your PIN is **{pin}**: with it you can rejoin from another device under the "
                 "same name.", "Din PIN-kod är **{pin}**: med den kan du komma tillbaka från en "
                 "annan enhet under samma namn."),
    "class_db_down": ("Class mode is not available right now; you can still play on your own.",
                      "Klassläget fungerar inte just nu; du kan fortfarande spela själv."),
    "class_db_down_teacher": ("The class database is not answering right now: try again in a "
                              "minute. Students can keep playing; their answers wait on the "
                              "server.", "Klassdatabasen svarar inte just nu: försök igen om en "
                              "minut. Eleverna kan spela vidare; deras svar väntar på servern."),
    "pin": ("PIN (to rejoin from another device)", "PIN-kod (för att komma tillbaka från en "
            "annan enhet)"),
    # class mode: the student's line, the teacher's class, dashboard and controls
    "class_line": ("**{klass}** · {name} · PIN **{pin}** (to rejoin from another device)",
                   "**{klass}** · {name} · PIN-kod **{pin}** (för att komma tillbaka från en "
                   "annan enhet)"),
    "class_line_no_pin": ("**{klass}** · {name}", "**{klass}** · {name}"),
    "class_deck_gone": ("This class's deck is not on this server any more: ask your teacher.",
                        "Klassens kortlek finns inte på servern längre: fråga din lärare."),
    "left_class": ("You are no longer in class {code}: {why}",
                   "Du är inte längre med i klassen {code}: {why}"),
    "class_privacy": (
        "**What is stored, and for how long.** For a class: its name, its decks (a deck you "
        "uploaded is kept for the class) and a scrambled form of the teacher key. For each "
        "student: the name they type and scrambled forms of their PIN and of the token their "
        "browser keeps. For each answer: the word, what was heard or typed, the verdict, tries, "
        "hints, points and the time. Nothing else about students is stored: no recordings (the "
        "server deletes them within a day), no e-mail or other details. A class ends 30 days "
        "after it is made, or when you end it; 90 days after it ends it is deleted with "
        "everything about its students, or at once when you delete it.",
        "**Vad som sparas, och hur länge.** För en klass: namnet, kortlekarna (en kortlek du "
        "laddat upp sparas för klassen) och lärarnyckeln i oläsbar form. För varje elev: namnet "
        "eleven skriver, och PIN-koden och webbläsarens nyckel i oläsbar form. För varje svar: "
        "ordet, det som hördes eller skrevs, bedömningen, försök, ledtrådar, poäng och tiden. "
        "Inget annat om eleverna sparas: inga inspelningar (servern raderar dem inom ett dygn), "
        "ingen e-post eller andra uppgifter. En klass avslutas 30 dagar efter att den skapats, "
        "eller när du avslutar den; 90 dagar efter slutet raderas den med allt om eleverna, "
        "eller direkt när du raderar den.",
    ),
    "class_made": ("### ✓ Class {name} is ready\n- Join code: **{code}**\n- Link for students: "
                   "{link}\n- Teacher key: {teacher_key}\n\nThe results are open below.",
                   "### ✓ Klassen {name} är klar\n- Klasskod: **{code}**\n- Länk för "
                   "eleverna: {link}\n- Lärarnyckel: {teacher_key}\n\nResultaten visas nedan."),
    "key_once": ("`{teacher_key}` (shown once: keep it, it opens the results)",
                 "`{teacher_key}` (visas en gång: spara den, den öppnar resultaten)"),
    "key_deployer": ("the key the server's operator set", "nyckeln som serverns driftare satt"),
    "no_such_deck": ("There is no deck called {name} here: choose from the menu.",
                     "Det finns ingen kortlek som heter {name} här: välj i menyn."),
    "dash_head": ("### {name} ({code}): {n} students, decks: {decks}",
                  "### {name} ({code}): {n} elever, kortlekar: {decks}"),
    "dash_open": ("Open to join until {date}; then deleted with every student's data on "
                  "{deleted}.", "Öppen till {date}; sedan raderad med allt om eleverna den "
                  "{deleted}."),
    "dash_ended": ("This class has ended: nobody can join, and new answers are not recorded. "
                   "It is deleted with every student's data on {deleted}.",
                   "Klassen är avslutad: ingen kan gå med, och nya svar sparas inte. Den raderas "
                   "med allt om eleverna den {deleted}."),
    "col_student": ("student", "elev"),
    "col_rounds": ("rounds", "omgångar"),
    "col_answers": ("answers", "svar"),
    "col_right": ("right", "rätt"),
    "col_best_streak": ("best streak", "bästa svit"),
    "col_missed": ("missed", "missade"),
    "col_rank": ("rank", "plats"),
    "each_word": ("Each student, each word (right / answers)",
                  "Varje elev, varje ord (rätt / svar)"),
    "manage": ("Manage the class: a new PIN, end, delete", "Hantera klassen: ny PIN-kod, "
               "avsluta, radera"),
    "pupil": ("Student", "Elev"),
    "new_pin": ("Give a new PIN", "Ge en ny PIN-kod"),
    "new_pin_done": ("New PIN for {name}: **{pin}**. Tell it to them: their old PIN no longer "
                     "works, and they can rejoin from any device.",
                     "Ny PIN-kod för {name}: **{pin}**. Säg den till eleven: den gamla gäller "
                     "inte längre, och eleven kan komma tillbaka från vilken enhet som helst."),
    "pick_student": ("Choose a student first.", "Välj en elev först."),
    "end_class": ("End the class", "Avsluta klassen"),
    "class_ended_now": ("Class {code} has ended ({time} UTC): nobody can join any more and new "
                        "answers are not recorded. The results stay until {deleted}, or until "
                        "you delete the class.",
                        "Klassen {code} är avslutad ({time} UTC): ingen kan gå med längre och "
                        "nya svar sparas inte. Resultaten finns kvar till {deleted}, eller tills "
                        "du raderar klassen."),
    "delete_sure": ("Yes: delete this class and everything about its students",
                    "Ja: radera klassen och allt om dess elever"),
    "delete_class": ("Delete the class", "Radera klassen"),
    "delete_tick": ("Tick the box first: deleting cannot be undone.",
                    "Kryssa i rutan först: det går inte att ångra."),
    "class_deleted": ("Class {code} is deleted, with its {n} students and all their answers.",
                      "Klassen {code} är raderad, med sina {n} elever och alla deras svar."),
    "rec_all": ("All answers are recorded ({n}).", "Alla svar är sparade ({n})."),
    "rec_delayed": ("{n} of them waited on this server while the class database was not "
                    "answering.", "{n} av dem väntade på servern medan klassdatabasen inte "
                    "svarade."),
    "rec_writing": ("{recorded} answers recorded; {waiting} more being written now.",
                    "{recorded} svar sparade; {waiting} till sparas nu."),
    "rec_down": ("The class database has not been answering since {since} UTC: {waiting} "
                 "answers are waiting on this server and will be recorded when it is back; "
                 "{recorded} are recorded.", "Klassdatabasen har inte svarat sedan {since} UTC: "
                 "{waiting} svar väntar på servern och sparas när den är tillbaka; {recorded} är "
                 "sparade."),
    "rec_lost": ("{n} answers could not be kept: the class database was not answering and this "
                 "server's disk refused them too. They are missing from the results.",
                 "{n} svar kunde inte behållas: klassdatabasen svarade inte och serverns disk "
                 "tog inte emot dem heller. De saknas i resultaten."),
    "rec_refused": ("{n} answers were not recorded: given after the class ended, or their "
                    "student is gone.", "{n} svar sparades inte: de gavs efter att klassen "
                    "avslutats, eller så finns eleven inte längre."),
    "as_of": ("The figures below are from {time} UTC.", "Siffrorna nedan är från {time} UTC."),
    "choose_deck": ("Choose a deck to upload: a .zip, an Anki .apkg, an Excel .xlsx, or a CSV "
                    "with its pictures.", "Välj en kortlek att ladda upp: en .zip, en Anki "
                    ".apkg, en Excel .xlsx eller en CSV med sina bilder."),
    "cannot_play": ("This deck cannot be played", "Den här kortleken går inte att spela"),
    "deck_ready": ("{name}: {n} cards, ready to play in this session",
                   "{name}: {n} kort, redo att spela i den här sessionen"),
    "warnings": ("Warnings:", "Varningar:"),
    "deck_problems_1": ("The deck in {names} has 1 problem:", "Kortleken i {names} har 1 fel:"),
    "deck_problems_n": ("The deck in {names} has {n} problems:",
                        "Kortleken i {names} har {n} fel:"),
    "deck_name_long": ("The deck name is too long ({n} letters at most).",
                       "Kortlekens namn är för långt (högst {n} tecken)."),
    "deck_too_large": ("The deck takes {size} MB unpacked; this server keeps at most {room} MB of "
                       "uploaded decks. Make the pictures smaller (1000 pixels wide is plenty).",
                       "Kortleken tar {size} MB uppackad; servern sparar högst {room} MB "
                       "uppladdade kortlekar. Gör bilderna mindre (1000 pixlar breda räcker)."),
    "saving_off": ("Saving decks for everyone is switched off on this server.",
                   "Att spara kortlekar för alla är avstängt på den här servern."),
    "pick_uploaded": ("Pick an uploaded deck in the deck menu first.",
                      "Välj först en uppladdad kortlek i menyn."),
    "deck_exists": ("A deck called {name!r} is offered already: change the name in the deck "
                    "(or the name field for a CSV), upload it again, then save.",
                    "Det finns redan en kortlek som heter {name!r}: byt namn i kortleken (eller "
                    "i namnfältet för en CSV), ladda upp den igen och spara sedan."),
    "saved": ("Saved: {name} is in the deck menu of everyone who opens the page from now on.",
              "Sparad: {name} finns i kortleksmenyn för alla som öppnar sidan från och med nu."),
    "upload_gone": ("Your uploaded deck {name} is no longer on this server: upload it again.",
                    "Din uppladdade kortlek {name} finns inte längre här: ladda upp den igen."),
    "class_deck_lost": ("Your class's deck {name} is no longer on this server: press “Join the "
                        "class” under Class to get it back.", "Klassens kortlek {name} finns "
                        "inte längre här: tryck på ”Gå med i klassen” under Klass för att få "
                        "tillbaka den."),
    "deck_gone": ("The deck {name} of your round is no longer on this server: a new round has "
                  "begun.", "Kortleken {name} som du spelade finns inte längre här: en ny "
                  "omgång har börjat."),
    "talk_too_long": ("That was long ({seconds} s without a pause): say just the word, then "
                      "pause.", "Det var långt ({seconds} s utan paus): säg bara ordet och gör "
                      "sedan en paus."),
    "checking": ("I heard you: checking your answer…", "Jag hörde dig: jag kollar ditt svar…"),
    "checking_queued": ("I heard you: {ahead} answers are being checked before yours, about "
                        "{seconds} s.", "Jag hörde dig: {ahead} svar kollas före ditt, ungefär "
                        "{seconds} s."),
    "plain_text": ("{text}", "{text}"),
    "you_typed": ("You typed", "Du skrev"),
    "i_heard": ("I heard", "Jag hörde"),
    "recognised_in": ("recognised in {seconds}", "igenkänt på {seconds}"),
    "last_picture": ("The picture you answered", "Bilden du svarade på"),
    "progress": ("Card {n} of {total} · {points} points", "Kort {n} av {total} · {points} poäng"),
    "round_over": ("Round over: {accuracy} right, {points} points, best streak {streak}",
                   "Omgången är slut: {accuracy} rätt, {points} poäng, bästa svit {streak}"),
    "to_practise": ("Words to practise:", "Ord att öva på:"),
    "nothing_to_practise": ("Nothing to practise: every word right first time!",
                            "Inget att öva på: alla ord rätt på första försöket!"),
    "col_word": ("word", "ord"),
    "col_result": ("result", "resultat"),
    "col_tries": ("tries", "försök"),
    "col_points": ("points", "poäng"),
    "typed_mark": ("typed", "skrivet"),
    "hints_n": ("{n} hints", "{n} ledtrådar"),
    "hints_1": ("1 hint", "1 ledtråd"),
    "correct": ("right", "rätt"),
    "close": ("almost", "nästan"),
    "missed": ("missed", "missat"),
    "skipped": ("skipped", "överhoppat"),
    "type_first": ("Type the Swedish word first.", "Skriv det svenska ordet först."),
    "too_long": ("That is longer than any answer: type just the word ({n} letters at most).",
                 "Det är längre än något svar: skriv bara ordet (högst {n} tecken)."),
    "no_recording": ("No recording of this word, and speech synthesis is not installed.",
                     "Ingen inspelning av ordet, och talsyntes finns inte installerad."),
    # Gradio's own words that its frontend writes in English on any page (`GRADIO_WRITES`)
    "close_button": ("Close", "Stäng"),
    "fullscreen": ("Fullscreen", "Helskärm"),
    "drop_files": ("Click to upload or drop files", "Klicka för att ladda upp eller släpp filer"),
    "copy_table": ("Copy table data", "Kopiera tabellen"),
    "copied": ("Copied to clipboard", "Kopierat"),
    "copy_code": ("copy", "kopiera"),
    "table_actions": ("Table actions", "Tabellens val"),
    "empty_value": ("Empty value", "Inget valt"),
    "footer_nav": ("Gradio footer navigation", "Sidfot"),
}  # fmt: skip

# Class mode's errors: English as `classroom` words them (one source), Swedish here, by key.
CLASS_ERRORS_SV: dict[str, str] = {
    "class_not_found": "Det finns ingen klass med den koden. Kolla koden med din lärare.",
    "class_ended": "Klassen är avslutad. Be din lärare om en ny kod.",
    "name_taken": "Någon i klassen heter redan ”{name}”. Är det du, skriv din PIN-kod; annars "
    "välj ett annat namn.",
    "wrong_pin": "Det är inte PIN-koden för ”{name}”. Försök igen, eller välj ett annat namn om "
    "det inte är du.",
    "wrong_key": "Den lärarnyckeln öppnar inte den här klassen. Kolla nyckeln och koden.",
    "no_such_student": "Ingen elev i klassen heter ”{name}”.",
    "name_empty": "Skriv ett namn.",
    "name_long": "Ett namn får vara högst {limit} tecken långt.",
    "name_chars": "Ett namn får bara ha bokstäver, siffror, mellanslag och {allowed} (inte "
    "{shown}).",
    "name_letter": "Ett namn behöver minst en bokstav eller siffra.",
    "class_name_empty": "Skriv klassens namn.",
    "class_name_long": "Klassens namn får vara högst {limit} tecken långt.",
    "class_name_chars": "Klassens namn får bara ha bokstäver, siffror, mellanslag och {allowed} "
    "(inte {shown}).",
    "class_name_letter": "Klassens namn behöver minst en bokstav eller siffra.",
    "class_decks_count": "En klass behöver 1 till {most} kortlekar.",
    "class_deck_name": "Varje kortlek i en klass behöver ett namn på 1 till {most} tecken.",
    "class_key_short": "En lärarnyckel behöver minst {least} tecken.",
    "kept_not_in_class": "Kortleken {name} som ska sparas är inte en av klassens kortlekar.",
    "kept_too_big": "Klassens egna kortlekar tar {size} MB; en klass sparar högst {most} MB "
    "kortlekar.",
    "kept_none": "Klassen har ingen egen kortlek som heter {name}.",
    "too_many_classes": "För många klasser har skapats härifrån. Vänta {minutes} min och försök "
    "sedan igen.",
    "too_many_students": "För många elever har gått med härifrån eller i klassen just nu. Vänta "
    "{minutes} min och försök sedan igen.",
    "too_many_codes": "För många klasskoder som inte finns har kommit härifrån. Vänta {minutes} "
    "min och kolla sedan koden med din lärare.",
    "too_many_keys": "För många fel lärarnycklar för den här klassen. Vänta {minutes} min och "
    "försök sedan igen.",
    "too_many_pins": "För många fel PIN-koder för det här namnet. Vänta {minutes} min, eller be "
    "din lärare om en ny PIN-kod.",
}
STRINGS |= {key: (CLASS_SAID[key], sv) for key, sv in CLASS_ERRORS_SV.items()}

# Gradio's own words that it looks up by a key its translations lack (Gradio 6.31 showed the key
# itself, "common.upload", in every language): the page's I18n gives them.
GRADIO_KEYS = {"common.upload": ("Upload", "Ladda upp")}
# Gradio's own words that its frontend writes in English whatever the page's language (a toast's
# title, the name of a button or field for a screen reader), as keys of `STRINGS`, whose English
# is Gradio's: LOAD_JS puts them in the page's language as they appear.
GRADIO_WRITES = ("error_title", "close_button", "fullscreen", "drop_files", "copy_table", "copied",
                 "copy_code", "table_actions", "empty_value", "footer_nav")  # fmt: skip

I18N = gr.I18n(
    en={key: en for key, (en, _) in (STRINGS | GRADIO_KEYS).items()},
    sv={key: sv for key, (_, sv) in (STRINGS | GRADIO_KEYS).items()},
)

LANG_STORAGE = "sag-det-language"
# Gradio picks its labels' language from the browser when the page starts; a learner's choice
# (kept in the browser) is applied through Gradio's own `changeLocale`, the function its footer
# settings use, so Gradio's labels and the server's feedback speak the same language.
_APPLY = """
  const apply = async (lang) => {
    const url = performance.getEntriesByType("resource").map((e) => e.name)
      .find((name) => /\\/assets\\/core-[\\w-]+\\.js$/.test(name));
    if (!url || !lang) return;
    const core = await import(url);
    if (core.changeLocale) core.changeLocale(lang);
  };
"""
# Gradio's Image has no alt text: the picture gets one in the page's language as it appears.
_ALT = json.dumps({"en": STRINGS["picture_alt"][0], "sv": STRINGS["picture_alt"][1]})
_GRADIO = json.dumps({key: STRINGS[key] for key in GRADIO_WRITES}, ensure_ascii=False)
# As the page changes: the picture's alt text, and Gradio's English (`GRADIO_WRITES`) in the
# page's language; on a Swedish page, the charts lose the English descriptions Vega writes for
# screen readers ("X-axis titled 'ord' for a discrete scale…"), which read their texts instead.
_RELABEL = f"""
  const alt = {_ALT}, gradio = {_GRADIO}, known = {{}};
  for (const [key, words] of Object.entries(gradio)) for (const text of words) known[text] = key;
  const relabel = () => {{
    const lang = (document.documentElement.lang || "en").slice(0, 2);
    const say = (key) => gradio[key][lang === "sv" ? 1 : 0];
    document.querySelectorAll("#picture img").forEach((img) => {{
      const said = alt[lang] || alt.en;
      if (img.alt !== said) img.alt = said;
    }});
    for (const el of document.querySelectorAll("[aria-label], [title]")) {{
      for (const name of ["aria-label", "title"]) {{
        const key = known[el.getAttribute(name)];
        if (key && el.getAttribute(name) !== say(key)) el.setAttribute(name, say(key));
      }}
    }}
    for (const el of document.querySelectorAll(".toast-title")) {{
      const text = el.firstChild, key = text && text.nodeType === 3 && known[text.data.trim()];
      if (key && text.data.trim() !== say(key)) text.data = say(key) + " ";
    }}
    if (lang !== "en") {{
      for (const el of document.querySelectorAll(".vega-embed [aria-label]")) {{
        el.removeAttribute("aria-label");
        el.removeAttribute("aria-roledescription");
      }}
    }}
  }};
  let due = false;
  const soon = () => {{
    if (due) return;
    due = true;
    requestAnimationFrame(() => {{ due = false; relabel(); }});
  }};
"""
LOAD_JS = f"""() => {{{_APPLY}{_RELABEL}
  const lang = localStorage.getItem("{LANG_STORAGE}");
  if (lang) apply(lang);
  new MutationObserver(soon).observe(document.body, {{ subtree: true, childList: true,
    attributes: true, attributeFilter: ["lang", "src", "aria-label", "title"] }});
  new MutationObserver(soon).observe(document.documentElement, {{ attributes: true }});
  relabel();
}}"""
# Run in the browser when the learner picks a language: remember it, and apply it now.
SWITCH_JS = f"""(choice, prefs) => {{{_APPLY}
  if (choice) localStorage.setItem("{LANG_STORAGE}", choice);
  else localStorage.removeItem("{LANG_STORAGE}");
  apply(choice || navigator.language);
  return [choice, prefs];
}}"""


def say(key: str, lang: str = "en", **params: object) -> str:
    """The string `key` in `lang` (English where the table has no such language)."""
    en, sv = STRINGS[key]
    template = sv if lang == "sv" else en
    return template.format(**params) if params else template


def refusal(key: str, lang: str = "en", *, duration: float | None = 10,
            **params: object) -> gr.Error:  # fmt: skip
    """A `gr.Error` to raise: its message and its title ("Error") in the learner's language,
    shown for `duration` seconds (None: until closed)."""
    return gr.Error(say(key, lang, **params), duration=duration, title=say("error_title", lang))


def language_of(chosen: str, accept_language: str | None) -> str:
    """The learner's language: the one chosen in the settings, else the browser's."""
    return language(chosen) if chosen else language(accept_language)

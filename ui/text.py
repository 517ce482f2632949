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
    "class_not_found": ("There is no class with that code. Check the code with your teacher.",
                        "Det finns ingen klass med den koden. Kolla koden med din lärare."),
    "class_ended": ("That class has ended. Ask your teacher for a new code.",
                    "Klassen är slut. Be din lärare om en ny kod."),
    "name_taken": ("Someone in this class already has that name. If it is you, enter your PIN; "
                   "else choose another name.", "Någon i klassen heter redan så. Är det du, "
                   "skriv din PIN-kod; annars välj ett annat namn."),
    "wrong_pin": ("That PIN is not right for this name.",
                  "PIN-koden stämmer inte för det namnet."),
    "class_db_down": ("Class mode is not available right now; you can still play on your own.",
                      "Klassläget fungerar inte just nu; du kan fortfarande spela själv."),
    "pin": ("PIN (to rejoin from another device)", "PIN-kod (för att komma tillbaka från en "
            "annan enhet)"),
    "choose_deck": ("Choose a deck to upload: a .zip, an Anki .apkg, an Excel .xlsx, or a CSV "
                    "with its pictures.", "Välj en kortlek att ladda upp: en .zip, en Anki "
                    ".apkg, en Excel .xlsx eller en CSV med sina bilder."),
    "cannot_play": ("This deck cannot be played", "Den här kortleken går inte att spela"),
    "deck_ready": ("{name}: {n} cards, ready to play in this session",
                   "{name}: {n} kort, redo att spela i den här sessionen"),
    "warnings": ("Warnings:", "Varningar:"),
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
}  # fmt: skip

I18N = gr.I18n(
    en={key: en for key, (en, _) in STRINGS.items()},
    sv={key: sv for key, (_, sv) in STRINGS.items()},
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
LOAD_JS = f"""() => {{{_APPLY}
  const lang = localStorage.getItem("{LANG_STORAGE}");
  if (lang) apply(lang);
  const alt = {_ALT};
  const describe = () => document.querySelectorAll("#picture img").forEach((img) => {{
    const said = alt[(document.documentElement.lang || "en").slice(0, 2)] || alt.en;
    if (img.alt !== said) img.alt = said;
  }});
  new MutationObserver(describe).observe(document.body, {{ subtree: true, childList: true,
    attributes: true, attributeFilter: ["lang", "src"] }});
  new MutationObserver(describe).observe(document.documentElement, {{ attributes: true }});
  describe();
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


def refusal(key: str, lang: str = "en", **params: object) -> gr.Error:
    """A `gr.Error` to raise: its message and its title ("Error") in the learner's language."""
    return gr.Error(say(key, lang, **params), title=say("error_title", lang))


def language_of(chosen: str, accept_language: str | None) -> str:
    """The learner's language: the one chosen in the settings, else the browser's."""
    return language(chosen) if chosen else language(accept_language)

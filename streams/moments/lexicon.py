"""The words the word signals listen for, per language (pure data).

A hook ("here's why"), a payoff ("that's why"), a filler ("um"), a number word ("three") or an
opener that points back ("and", "this") is a word of one language. Each ``Lexicon`` holds one
language's lists; ``for_language`` picks the one for an ISO 639-1 code. A language without one
(Japanese, Chinese, Russian...) gets ``None``: the signals then use only what every language
shares (a question or exclamation mark in any script, numerals, pauses), so a talk is never
marked down because its words are not English ones.

Matching works on ``sentences.bare`` words (lower-cased, edge punctuation off, ’ as '): phrases are
matched as whole words, single words as they are, and an elided word counts by what comes before
its apostrophe (``"c'est"`` is ``"c"``, as ``"it's"`` is ``"it"``).

The English lists are the ones the ranking was tuned with on the labelled talks
(``bench/moments_quality.py``). The others were written for this project by meaning, not
translated word for word, and no labelled talk in those languages measures them: they make a
German hook count as a hook, not tune a German ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: signals cache per lexicon
class Lexicon:
    """One language's word lists.

    Attributes:
        language: the ISO 639-1 code.
        hooks: openers that promise a payoff, matched within a sentence's first words.
        address: words that speak to the viewer.
        claims: absolutes and superlatives that make a claim worth checking.
        payoffs: phrases that land a point.
        concluding: a first word that draws the conclusion ("so").
        fillers: hesitations, counted wherever they are.
        filler_phrases: words that are fillers only when set off by commas ("like", "you know").
        number_words: numbers written as words (not articles that double as "one").
        loose_number_words: those of ``number_words`` that as often name no amount ("no one",
            "at first", Italian "secondo" for "according to"): caption emphasis draws them as a
            figure only beside another (``streams.media.emphasis``); the ranking counts them all
            (measured: DEVELOPERS.md, "English number words that are rarely figures").
        dangling: first words that point back to talk before the clip.
        leading_fillers: words a title drops from its start.
        phrase_starts: words that open a new clause (conjunctions, relative pronouns): a title
            may stop just before one.
        prepositions: words that open a prepositional phrase: failing a clause, a title may stop
            just before one.
        contrasts: markers of an antithesis, each a phrase whose ``...`` stands for a few words
            ("not ... but"); none for a language nobody has written them for.
    """

    language: str
    hooks: tuple[str, ...]
    address: frozenset[str]
    claims: frozenset[str]
    payoffs: tuple[str, ...]
    concluding: frozenset[str]
    fillers: frozenset[str]
    filler_phrases: tuple[str, ...]
    number_words: frozenset[str]
    dangling: frozenset[str]
    leading_fillers: frozenset[str]
    phrase_starts: frozenset[str] = frozenset()
    prepositions: frozenset[str] = frozenset()
    contrasts: tuple[tuple[str, ...], ...] = ()
    loose_number_words: frozenset[str] = frozenset()

    @cached_property
    def filler_starts(self) -> dict[str, list[tuple[str, ...]]]:
        """The filler phrases by their first word."""
        starts: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.filler_phrases:
            starts.setdefault(phrase.split()[0], []).append(tuple(phrase.split()))
        return starts


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";"))


ENGLISH = Lexicon(
    language="en",
    hooks=_phrases(
        "here's; here is; the secret; the truth; why; how; what if; imagine; never; stop; you need; "
        "the biggest; the one thing; nobody; most people; did you know; the reason; the problem; the "
        "mistake; the key; the best; the worst; everyone; let me tell you; this is why; i wish; you "
        "won't believe; what happens"
    ),
    address=_words("you your yours yourself"),
    claims=_words(
        "never always everyone everybody nobody nothing every only best worst biggest most least "
        "secret truth mistake wrong impossible guaranteed"
    ),
    payoffs=_phrases(
        "that's why; that is why; this is why; that's how; the lesson; the point is; the key is; the "
        "answer; the result; in the end; which means; turns out; bottom line; so remember; that's "
        "the; and that's; the takeaway; in short"
    ),
    concluding=_words("so"),
    fillers=_words("um uh erm er uhm umm hmm mm ah"),
    filler_phrases=_phrases("like; you know; i mean; kind of; sort of"),
    number_words=_words(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
        "ninety hundred thousand million billion trillion percent half dozen first second third"
    ),
    loose_number_words=_words("one first second"),
    dangling=_words("and but so because which that it this they he she or also then these those"),
    leading_fillers=_words("so and but um uh well okay ok like"),
    phrase_starts=_words(
        "and but or so because when while where which who whom whose that if unless until after before since "
        "though although whereas"
    ),
    prepositions=_words("for in on at from by about into through with without over under between during to of"),
    contrasts=tuple(
        tuple(p.split())
        for p in _phrases("not ... but; rather than; instead of; isn't about; is not about; not because ... but")
    ),
)

GERMAN = Lexicon(
    language="de",
    hooks=_phrases(
        "hier ist; das geheimnis; die wahrheit; warum; wieso; wie man; was wäre wenn; stell dir vor; "
        "stellen sie sich vor; niemals; hör auf; hört auf; du musst; sie müssen; das größte; das "
        "eine; niemand; die meisten; wusstest du; wussten sie; der grund; das problem; der fehler; "
        "der schlüssel; das beste; das schlimmste; jeder; lass mich; lassen sie mich; deshalb; ich "
        "wünschte; was passiert"
    ),
    address=_words("du dich dir dein deine deinen deinem deiner ihr euch euer eure"),
    claims=_words(
        "nie niemals immer jeder jede jedes alle niemand nichts nur beste besten schlechteste größte "
        "meisten wenigsten geheimnis wahrheit fehler falsch unmöglich garantiert"
    ),
    payoffs=_phrases(
        "deshalb; darum; deswegen; so funktioniert; die lektion; der punkt ist; der schlüssel ist; "
        "die antwort; das ergebnis; am ende; das heißt; stellt sich heraus; unterm strich; merkt "
        "euch; merken sie sich; kurz gesagt; im grunde"
    ),
    concluding=_words("also deshalb darum"),
    fillers=_words("äh ähm öh öhm hm hmm mhm"),
    filler_phrases=_phrases("also; halt; sozusagen; quasi; weißt du; ich meine"),
    number_words=_words(
        "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
        "fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig dreißig vierzig fünfzig sechzig siebzig "
        "achtzig neunzig hundert tausend million millionen milliarde milliarden prozent hälfte halb "
        "dutzend erste erstens zweite zweitens dritte drittens"
    ),
    loose_number_words=_words("erste zweite"),
    dangling=_words("und aber also weil denn das dies diese dieser es er sie oder auch dann deshalb"),
    leading_fillers=_words("also und aber äh ähm na gut okay ok"),
)

SPANISH = Lexicon(
    language="es",
    # Not "la verdad" nor "verdad" alone: "la verdad es que", "de verdad" and "¿verdad?" say
    # "honestly", "really" and "right?" (each "la verdad" in our Spanish scripts renders an English
    # "honestly" or "really"), so they made a plain answer open with a hook and a bold claim.
    hooks=_phrases(
        "aquí está; el secreto; la verdad sobre; por qué; cómo; qué pasaría si; imagina; imaginen; nunca; "
        "deja de; dejen de; necesitas; lo más grande; la única cosa; nadie; la mayoría; sabías que; "
        "sabían que; la razón; el problema; el error; la clave; lo mejor; lo peor; todo el mundo; "
        "déjame contarte; déjenme contarles; por eso; ojalá; qué pasa"
    ),
    address=_words("tú tu tus te ti contigo usted ustedes vosotros vosotras os vuestro vuestra"),
    claims=_words(
        "nunca jamás siempre todos todas todo nadie nada solo sólo único mejor peor mayor mayoría "
        "secreto error equivocado imposible garantizado"
    ),
    payoffs=_phrases(
        "por eso; es por eso; así es como; la lección; la clave es; la respuesta; el resultado; al "
        "final; lo que significa; resulta que; en resumen; en definitiva; en conclusión; recuerden; "
        "recuerda"
    ),
    concluding=_words("entonces así"),
    fillers=_words("eh em ehm mm hmm"),
    filler_phrases=_phrases("este; o sea; pues; bueno; sabes; digamos"),
    number_words=_words(
        "cero dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
        "dieciséis diecisiete dieciocho diecinueve veinte treinta cuarenta cincuenta sesenta setenta "
        "ochenta noventa cien ciento cientos mil millón millones porcentaje mitad docena primero "
        "primera segundo segunda tercero tercera"
    ),
    loose_number_words=_words("primero primera segundo segunda"),
    dangling=_words("y e pero entonces porque que eso esto esta este ellos ellas él ella o también luego estos esos"),
    leading_fillers=_words("pues bueno entonces y pero eh este vale"),
)

FRENCH = Lexicon(
    language="fr",
    hooks=_phrases(
        "voici; le secret; la vérité; pourquoi; comment; et si; imaginez; imagine; jamais; arrêtez; "
        "arrête; vous devez; le plus grand; la seule chose; personne; la plupart; saviez-vous; tu "
        "savais; la raison; le problème; l'erreur; la clé; le meilleur; le pire; tout le monde; "
        "laissez-moi vous dire; c'est pour ça; j'aurais aimé; que se passe"
    ),
    address=_words("vous votre vos tu toi ton ta tes te t"),
    # Not "plus" (more: "le plus" is most) nor "tout" (all, and "tout à fait", "du tout"), as
    # English lists "most" and "every" but not "more" or "all": said in any sentence, they made
    # one open on a bold claim wherever it began "Plus, ..." or "Tout ...".
    claims=_words(
        "jamais toujours tous toutes personne rien seul seule seulement meilleur meilleure pire "
        "secret vérité erreur faux impossible garanti"
    ),
    # "Au final" lands a point; "à la fin" is mostly "at the end" ("cinq minutes à la fin pour les
    # questions"), which English does not list either.
    payoffs=_phrases(
        "c'est pourquoi; voilà pourquoi; c'est pour ça; c'est comme ça; la leçon; la clé c'est; la "
        "réponse; le résultat; au final; ce qui veut dire; il s'avère; en bref; en résumé; "
        "retenez; retiens"
    ),
    concluding=_words("donc alors bref"),
    fillers=_words("euh heu hum hm bah ben"),
    filler_phrases=_phrases("genre; tu vois; vous voyez; en fait; du coup; quoi; disons"),
    number_words=_words(
        "zéro deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
        "vingt trente quarante cinquante soixante cent cents mille million millions milliard "
        "milliards pourcent moitié demi douzaine premier première deuxième second seconde troisième"
    ),
    loose_number_words=_words("premier première second seconde"),
    # Not "qui" or "que": a French sentence does not open on a relative pronoun, so there they ask
    # ("Qui a payé ?", "Que faire ?") or wish ("Que ce soit clair"); "parce" stands for "parce que".
    dangling=_words("et mais donc alors parce ça cela ceci c ils elles il elle ou aussi puis ces"),
    leading_fillers=_words("donc alors et mais euh bon bah ben voilà"),
)

ITALIAN = Lexicon(
    language="it",
    hooks=_phrases(
        "ecco; il segreto; la verità; come mai; e se; immagina; immaginate; mai; smetti; smettete; "
        "devi; dovete; il più grande; l'unica cosa; nessuno; la maggior parte; lo sapevi; sapevate "
        "che; il motivo; il problema; l'errore; la chiave; il migliore; il peggiore; tutti; lasciate "
        "che vi; ecco perché; cosa succede"
    ),
    address=_words("tu ti te tuo tua tuoi tue voi vi vostro vostra vostri"),
    claims=_words(
        "mai sempre tutti tutte tutto nessuno niente nulla solo soltanto unico migliore peggiore "
        "maggiore segreto verità errore sbagliato impossibile garantito"
    ),
    payoffs=_phrases(
        "ecco perché; per questo; è così che; la lezione; la chiave è; la risposta; il risultato; "
        "alla fine; il che significa; si scopre; in breve; in sintesi; ricordate; ricorda"
    ),
    concluding=_words("quindi allora dunque"),
    fillers=_words("ehm eh mm hmm uhm"),
    filler_phrases=_phrases("cioè; tipo; insomma; diciamo; sai; praticamente"),
    number_words=_words(
        "zero due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici "
        "quindici sedici diciassette diciotto diciannove venti trenta quaranta cinquanta sessanta "
        "settanta ottanta novanta cento mille mila milione milioni miliardo miliardi percento metà "
        "mezzo dozzina primo prima secondo seconda terzo terza"
    ),
    loose_number_words=_words("primo prima secondo seconda"),
    dangling=_words("e ed ma quindi allora perché che questo questa questi quello quella loro lui lei o anche poi"),
    leading_fillers=_words("quindi allora e ma ehm beh allora ok"),
)

PORTUGUESE = Lexicon(
    language="pt",
    # Not "a verdade" nor "verdade" alone: "na verdade" and "a verdade é que" say "actually" and
    # "honestly" (as Spanish "la verdad" does).
    hooks=_phrases(
        "aqui está; o segredo; a verdade sobre; por que; porquê; e se; imagine; imaginem; nunca; pare de; "
        "parem de; você precisa; o maior; a única coisa; ninguém; a maioria; você sabia; vocês "
        "sabiam; a razão; o problema; o erro; a chave; o melhor; o pior; todo mundo; deixa eu te "
        "contar; é por isso; o que acontece"
    ),
    address=_words("você vocês tu te ti teu tua teus tuas contigo vos"),
    claims=_words(
        "nunca jamais sempre todos todas tudo ninguém nada só somente único melhor pior maior maioria "
        "segredo erro errado impossível garantido"
    ),
    payoffs=_phrases(
        "é por isso; por isso; é assim que; a lição; a chave é; a resposta; o resultado; no fim; no "
        "final; o que significa; acontece que; em resumo; resumindo; lembrem; lembre-se"
    ),
    concluding=_words("então portanto"),
    fillers=_words("hã éh ahn hum hmm"),
    filler_phrases=_phrases("tipo; né; sabe; quer dizer; assim; digamos"),
    number_words=_words(
        "zero dois duas três quatro cinco seis sete oito nove dez onze doze treze catorze quatorze "
        "quinze dezesseis dezasseis dezessete dezassete dezoito dezenove dezanove vinte trinta "
        "quarenta cinquenta sessenta setenta oitenta noventa cem cento mil milhão milhões bilhão "
        "metade meio dúzia primeiro primeira segundo segunda terceiro terceira"
    ),
    loose_number_words=_words("primeiro primeira segundo segunda"),
    dangling=_words("e mas então porque que isso isto eles elas ele ela ou também depois esses estes"),
    leading_fillers=_words("então e mas bom né tipo ok"),
)

LEXICONS: dict[str, Lexicon] = {
    lexicon.language: lexicon for lexicon in (ENGLISH, GERMAN, SPANISH, FRENCH, ITALIAN, PORTUGUESE)
}


def for_language(language: str | None) -> Lexicon | None:
    """The lexicon for an ISO 639-1 code (a region such as ``pt-BR`` is read as its language);
    ``None`` for a language without one. An unknown language (``None``: nothing was identified,
    as in a transcript stored before languages were) is read as English, as it always was."""
    if language is None:
        return ENGLISH
    return LEXICONS.get(language.split("-")[0].split("_")[0].lower())

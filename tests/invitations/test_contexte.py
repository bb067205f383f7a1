"""The context file: the example loads; every problem is a ContextError naming file and key."""

# ruff: noqa: E501 - expected French messages and sample texts stay on one line, as users see them

from __future__ import annotations

import pytest
from invitation_helpers import EXAMPLES, example_context

from tamis.invitations.context import (
    Context,
    ContextError,
    Match,
    MatchKind,
    load_context,
    profile_key,
)

CONNECTIONS_HEAD = (
    "\ufeffNotes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses\n'
    'are missing."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
)


def write(tmp_path, toml, **files):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "tamis.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def test_example_context_loads_with_its_network():
    ctx = example_context()
    assert ctx.nom == "Jade Bérubé Morin"
    assert "médias sociaux" in ctx.domaines
    assert ctx.parameters == {"connexions_min": 50, "vedette_min": 10000}
    julie = ctx.network.lookup("Julie Tremblay", None)
    assert julie == Match(
        MatchKind.NOM_SEUL, "Connections.csv:5", ("linkedin.com/in/julie-tremblay-ludis",)
    )
    sophie = ctx.network.lookup(None, "https://www.linkedin.com/in/sophie-lavoie-mtl/")
    assert sophie == Match(MatchKind.ADRESSE, "tamis.toml [reseau] contacts")
    assert len(ctx.sha256) == 64


def test_messages_count_only_conversations_where_you_wrote():
    ctx = example_context()
    assert ctx.network.lookup("Maxime Pelletier", None) is not None
    kevin = "https://www.linkedin.com/in/kevin-dubois-growth"
    assert ctx.network.lookup("Kevin Dubois", kevin) is None


def test_relative_export_paths_are_relative_to_the_context_file(tmp_path, monkeypatch):
    sub = tmp_path / "conf"
    sub.mkdir()
    rows = CONNECTIONS_HEAD + "Ana,Lima,https://www.linkedin.com/in/ana-lima,,,,22 Jan 2026\n"
    path = write(sub, '[reseau]\nfichiers = ["Connections.csv"]\n', **{"Connections.csv": rows})
    monkeypatch.chdir(tmp_path)
    ctx = load_context("conf/tamis.toml")
    ana = ctx.network.lookup("ANA LIMA", None)
    assert ana == Match(MatchKind.NOM_SEUL, "Connections.csv:6", ("linkedin.com/in/ana-lima",))
    assert load_context(path).network.described


def test_sha256_covers_the_export_files(tmp_path):
    rows = CONNECTIONS_HEAD + "Ana,Lima,,,,,22 Jan 2026\n"
    path = write(
        tmp_path, '[reseau]\nfichiers = ["Connections.csv"]\n', **{"Connections.csv": rows}
    )
    before = load_context(path).sha256
    (tmp_path / "Connections.csv").write_text(rows + "Bo,Chen,,,,,23 Jan 2026\n", encoding="utf-8")
    assert load_context(path).sha256 != before


def test_unreadable_export_row_is_a_warning_with_its_line(tmp_path):
    rows = CONNECTIONS_HEAD + 'Ana,Lima,,,,,22 Jan 2026\nBo,"Chen,,\n'
    path = write(
        tmp_path, '[reseau]\nfichiers = ["Connections.csv"]\n', **{"Connections.csv": rows}
    )
    ctx = load_context(path)
    assert ctx.warnings == (
        "Connections.csv : ligne 7 : 2 colonnes au lieu de 7 (guillemets mal fermés ?) (ignorée)",
    )
    assert ctx.network.lookup("Ana Lima", None)


def test_empty_context():
    ctx = Context.empty()
    assert ctx.sha256 is None and ctx.parameters == {} and not ctx.network.described


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[moi]\nnom = 'A'\nage = 3\n", "clé « moi.age » : clé inconnue ; clés permises : domaines, ecoles, entreprises, langues, nom"),
        ("[amis]\nx = 1\n", "clé « amis » : clé inconnue ; clés permises : moi, parametres, reseau"),
        ("[moi]\ndomaines = 'marketing'\n", "clé « moi.domaines » : doit être une liste de textes"),
        ("[moi]\nnom = 3\n", "clé « moi.nom » : doit être un texte"),
        ("[parametres]\nconnexions_min = 'beaucoup'\n", "clé « parametres.connexions_min » : doit être de type nombre (reçu : \"beaucoup\")"),
        ("[parametres]\nconnexions_min = true\n", "clé « parametres.connexions_min » : doit être de type nombre (reçu : true)"),  # was Python's « True »
        ("[parametres]\nconnexions_min = ['a']\n", "clé « parametres.connexions_min » : doit être de type nombre (reçu : [\"a\"])"),
        ("[parametres]\nconnexions_min = -1\n", "clé « parametres.connexions_min » : ne doit pas être négatif (reçu : -1)"),
        ("[parametres]\nseuil = {a = 1}\n", "clé « parametres.seuil » : doit être un nombre, un texte, un booléen ou une liste de textes"),
        ("[moi\nnom = 'A'\n", "syntaxe TOML invalide, ligne 1, colonne 5"),
        ('[reseau]\nfichiers = ["absent.csv"]\n', "clé « reseau.fichiers[0] » : "),
    ],
)  # fmt: skip
def test_context_errors_name_file_and_key(tmp_path, toml, message):
    path = write(tmp_path, toml)
    with pytest.raises(ContextError) as caught:
        load_context(path)
    assert str(caught.value).startswith(f"{path} : {message}")


def test_missing_file_and_non_csv_export(tmp_path):
    with pytest.raises(ContextError, match=r"absent\.toml : fichier de contexte illisible"):
        load_context(tmp_path / "absent.toml")
    path = write(tmp_path, '[reseau]\nfichiers = ["x.csv"]\n', **{"x.csv": "a,b\n1,2\n"})
    with pytest.raises(
        ContextError,
        match=r"reseau\.fichiers\[0\] » : .*x\.csv : en-tête de Connections\.csv introuvable",
    ):
        load_context(path)


def test_non_utf8_context(tmp_path):
    path = tmp_path / "tamis.toml"
    path.write_bytes(b"[moi]\nnom = '\xe9'\n")
    with pytest.raises(ContextError, match="pas en UTF-8"):
        load_context(path)


def test_a_context_saved_with_a_bom_is_read(tmp_path):
    """Notepad's byte-order mark was « syntaxe TOML invalide, ligne 1, colonne 1 »."""
    path = tmp_path / "tamis.toml"
    path.write_bytes("\ufeff[moi]\r\nnom = 'Jade Bérubé'\r\n".encode())
    assert load_context(path).nom == "Jade Bérubé"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jade-b/",
        "http://ca.linkedin.com/in/jade-b?trk=x",
        "www.linkedin.com/in/Jade-B",
        "linkedin.com/in/jade-b#top",
    ],
)
def test_profile_keys_ignore_scheme_host_prefix_query_and_case(url):
    assert profile_key(url) == "linkedin.com/in/jade-b"


def test_example_files_exist():
    assert (EXAMPLES / "Connections.csv").read_bytes().startswith(b"\xef\xbb\xbfNotes:")


def test_malformed_profile_addresses_do_not_raise():
    assert profile_key("http://[linkedin.com/in/x") == "http://[linkedin.com/in/x"


def test_your_name_in_messages_is_matched_without_accents_or_extra_spaces():
    from tamis.invitations.linkedin import read_message_contacts

    text = (
        "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS\n"
        "c-1,Eric Lachance,https://www.linkedin.com/in/eric-l,Jade Berube  Morin,https://www.linkedin.com/in/jade\n"
        "c-1,Jade Berube  Morin,https://www.linkedin.com/in/jade,Eric Lachance,https://www.linkedin.com/in/eric-l\n"
    )
    contacts, errors = read_message_contacts(text, "Jade Bérubé Morin")
    assert errors == []
    assert sorted({c.name for c in contacts}) == ["Eric Lachance"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[parametres]\nconnexions_min = -5\n", "clé « parametres.connexions_min » : ne doit pas être négatif (reçu : -5)"),
        ("[parametres]\nconnexions_min = nan\n", "clé « parametres.connexions_min » : doit être un nombre fini (reçu : nan)"),
        ("[parametres]\nvedette_min = 1e999\n", "clé « parametres.vedette_min » : doit être un nombre fini (reçu : infini)"),
        ("[parametres]\nmon_seuil = -inf\n", "clé « parametres.mon_seuil » : doit être un nombre fini (reçu : -infini)"),
        ("[parametres]\nseuil_commercial = 1.5\n", "clé « parametres.seuil_commercial » : doit être entre 0 et 1 (reçu : 1.5)"),
        ("[parametres]\nsections_manquantes_min = 4\n", "clé « parametres.sections_manquantes_min » : doit être entre 0 et 3 (reçu : 4)"),
    ],
)  # fmt: skip
def test_context_parameters_are_finite_and_within_the_bounds_of_every_source(
    tmp_path, toml, message
):
    path = write(tmp_path, toml)
    with pytest.raises(ContextError) as caught:
        load_context(path)
    assert str(caught.value) == f"{path} : {message}"


def test_parameter_bounds_are_the_same_in_the_context_on_the_command_line_and_in_a_policy(
    tmp_path,
):
    from tamis.engine.parameters import ParameterError, effective_parameters
    from tamis.grammar.load import load_policy
    from tamis.invitations.vocabulary import vocabulary

    source = "refuser si peu_de_connexions et message_commercial\nsinon examiner\n"
    policy, _ = load_policy(source, "p.tamis", vocabulary())
    for name, value, reason in (
        ("connexions_min", "-5", "ne doit pas être négatif (reçu : -5)"),
        ("seuil_commercial", "1,5", "doit être entre 0 et 1 (reçu : 1.5)"),
    ):
        with pytest.raises(ParameterError) as caught:
            effective_parameters(policy, {}, [f"{name}={value}"])
        assert str(caught.value) == f"--parametre {name}={value} : « {name} » {reason}"
        _, diagnostics = load_policy(
            f"paramètre {name} = {value}\n{source}", "p.tamis", vocabulary()
        )
        assert [(d.code, d.message) for d in diagnostics] == [
            ("E038", f"le paramètre intégré « {name} » {reason}")
        ]
        context = write(tmp_path, f"[parametres]\n{name} = {value.replace(',', '.')}\n")
        with pytest.raises(ContextError) as refused:
            load_context(context)
        assert str(refused.value) == f"{context} : clé « parametres.{name} » : {reason}"
    assert effective_parameters(policy, {"connexions_min": 0}, ["seuil_commercial=1"]) == {
        "connexions_min": 0, "vedette_min": 10000, "sections_manquantes_min": 2, "seuil_commercial": 1,
    }  # fmt: skip


def test_an_unknown_context_parameter_close_to_a_known_one_is_an_error_with_a_suggestion():
    from tamis.engine.parameters import ParameterError, effective_parameters
    from tamis.grammar.load import load_policy
    from tamis.invitations.vocabulary import vocabulary

    policy, _ = load_policy("refuser si peu_de_connexions\nsinon examiner\n", "p", vocabulary())
    with pytest.raises(ParameterError) as caught:
        effective_parameters(policy, {"connexion_min": 3}, [])
    assert str(caught.value) == (
        "[parametres] du contexte : paramètre inconnu « connexion_min » ;"
        " vouliez-vous dire « connexions_min » ?"
    )
    # a parameter of another policy sharing the context file, unlike any of this one's, is fine
    assert "seuil_recruteurs" not in effective_parameters(policy, {"seuil_recruteurs": 3}, [])


def test_a_quote_left_open_that_swallows_the_next_contact_is_warned_with_file_and_line(
    tmp_path,
):
    rows = CONNECTIONS_HEAD + (
        'Ana,Li"ma,https://www.linkedin.com/in/ana,,,,"22 Jan 2026\n'
        'Bo,Chen,https://www.linkedin.com/in/bo,,,,"23 Jan 2026\n'
        "Cy,Dee,https://www.linkedin.com/in/cy,,,,24 Jan 2026\n"
    )
    path = write(
        tmp_path, '[reseau]\nfichiers = ["Connections.csv"]\n', **{"Connections.csv": rows}
    )
    ctx = load_context(path)
    assert ctx.warnings == (
        "Connections.csv : ligne 6 : la colonne « Connected On » continue jusqu'à la ligne 7"
        " (guillemet mal fermé ?) (ignorée)",
    )
    assert ctx.network.lookup("Cy Dee", None) is not None
    assert ctx.network.lookup("Bo Chen", None) is None


def test_a_line_break_in_a_message_is_no_warning_but_one_in_a_name_is(tmp_path):
    head = "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER\n"
    rows = head + (
        'c1,,Léa Roy,https://www.linkedin.com/in/lea,Jade Bérubé Morin,,2025-11-03,,"Bonjour,\nà bientôt",INBOX\n'
        'c2,,"Max\nPelletier",https://www.linkedin.com/in/max,Jade Bérubé Morin,,2025-11-04,,"Salut",INBOX\n'
    )  # fmt: skip
    path = write(tmp_path, '[reseau]\nfichiers = ["messages.csv"]\n', **{"messages.csv": rows})
    ctx = load_context(path)
    assert ctx.warnings == (
        "messages.csv : ligne 4 : la colonne « FROM » continue jusqu'à la ligne 5"
        " (guillemet mal fermé ?) (ignorée)",
    )
    assert ctx.network.lookup("Léa Roy", None) is not None


def test_a_quote_left_open_in_the_header_is_an_error_not_an_empty_network(tmp_path):
    rows = CONNECTIONS_HEAD.replace("Connected On", '"Connected On') + "Ana,Lima,,,,,22 Jan 2026\n"
    path = write(
        tmp_path, '[reseau]\nfichiers = ["Connections.csv"]\n', **{"Connections.csv": rows}
    )
    with pytest.raises(ContextError) as caught:
        load_context(path)
    assert str(caught.value) == (
        f"{path} : clé « reseau.fichiers[0] » : {tmp_path / 'Connections.csv'} : en-tête de"
        " Connections.csv illisible : un guillemet mal fermé l'étend jusqu'à la ligne 6 et avale"
        " les lignes suivantes"
    )

# SPDX-License-Identifier: MIT
"""dbt's YAML selectors: selectors.yml in the project root, `--selector
NAME` and the selector marked `default: true`. The definition forms are
checked through `xform ls` (it reads the graph only) against the exact node
list; one build per warehouse checks that --selector builds exactly what
it names; every selectors.yml mistake is a located error with exit 2.

The fixture fixtures/selectors has, in project `shop`:
  staging/stg_a (tag nightly), staging/stg_b, marts/m_ab (tag nightly, refs
  both), marts/m_c (refs m_ab), other/lonely (tag hourly); tests
  unique_stg_a_id, not_null_m_ab_id and a relationships test from m_ab to
  stg_b (two parents)."""

import json
import textwrap

import pytest

from conftest import parse_diags, path_matches
from warehouse import wh  # noqa: F401  (the fixture)

STG_A, STG_B = "shop.staging.stg_a", "shop.staging.stg_b"
M_AB, M_C, LONELY = "shop.marts.m_ab", "shop.marts.m_c", "shop.other.lonely"
UNIQUE_A, NOT_NULL_AB = "shop.unique_stg_a_id", "shop.not_null_m_ab_id"
REL = "shop.relationships_m_ab_id__id__ref_stg_b_"


@pytest.fixture
def shop(make_project):
    return make_project("selectors")


def selectors(project, text):
    project.write("selectors.yml", textwrap.dedent(text))


def ls(project, *args):
    """The nodes `xform ls` lists, in its order (a list, so that a node
    listed twice shows)."""
    r = project.xform("ls", *args, expect=0)
    return [ln for ln in r.out.splitlines() if ln.strip()]


# ---------------------------------------------------------------- forms
@pytest.mark.feature("select.selectors")
@pytest.mark.parametrize("name,want", [
    # CLI-style: graph operators, intersection (comma) and union (space)
    ("cli_style", [M_AB, LONELY, STG_A, NOT_NULL_AB, REL, UNIQUE_A]),
    # key-value
    ("key_value", [M_AB, STG_A, NOT_NULL_AB, REL, UNIQUE_A]),
    # full dict: parents, exclude, indirect_selection
    ("full", [M_AB, STG_A, NOT_NULL_AB, UNIQUE_A]),
    ("full_children", [M_AB, M_C, NOT_NULL_AB, REL]),
    ("full_depth", [M_AB, M_C, NOT_NULL_AB, REL]),
    ("full_childrens_parents", [M_AB, M_C, STG_A, STG_B, NOT_NULL_AB, REL, UNIQUE_A]),
    # union / intersection lists, nested, with exclude items
    ("sets", [STG_A, UNIQUE_A]),
    ("nested", [M_AB, LONELY, NOT_NULL_AB, REL]),
    # selector references, by method and in a string
    ("by_method", [M_AB, STG_A, NOT_NULL_AB, REL, UNIQUE_A]),
    ("in_string", [M_AB, LONELY, STG_A, NOT_NULL_AB, REL, UNIQUE_A]),
    ("ref_exclude", [LONELY]),
])
def test_definition_forms(shop, name, want):
    assert ls(shop, "--selector", name) == want


@pytest.mark.feature("select.selectors")
@pytest.mark.parametrize("mode,want", [
    ("eager", [M_AB, NOT_NULL_AB, REL]),       # any parent selected
    ("cautious", [M_AB, NOT_NULL_AB]),         # stg_b is not selected
    ("buildable", [M_AB, NOT_NULL_AB, REL]),   # stg_b is upstream of m_ab
    ("empty", [M_AB]),
])
def test_indirect_selection_per_definition(shop, mode, want):
    selectors(shop, f"""\
        selectors:
          - name: pick
            definition:
              method: fqn
              value: m_ab
              indirect_selection: {mode}
        """)
    assert ls(shop, "--selector", "pick") == want


@pytest.mark.feature("select.selectors")
def test_indirect_selection_differs_per_leaf(shop):
    # a union of two leaves, each with its own mode
    selectors(shop, """\
        selectors:
          - name: pick
            definition:
              union:
                - {method: fqn, value: m_ab, indirect_selection: empty}
                - {method: fqn, value: stg_a, indirect_selection: eager}
        """)
    assert ls(shop, "--selector", "pick") == [M_AB, STG_A, UNIQUE_A]


@pytest.mark.feature("select.selectors")
def test_yaml_anchors_extend_definitions(shop):
    selectors(shop, """\
        selectors:
          - name: base
            definition: &nightly
              method: tag
              value: nightly
              indirect_selection: empty
          - name: extended
            definition:
              <<: *nightly
              children: true
        """)
    assert ls(shop, "--selector", "base") == [M_AB, STG_A]
    # tests are children in the graph: `children` reaches them whatever the mode
    assert ls(shop, "--selector", "extended") == [M_AB, M_C, STG_A, NOT_NULL_AB, REL, UNIQUE_A]


# ---------------------------------------------------------------- default
@pytest.mark.feature("select.selectors")
def test_default_selector_for_ls_and_run(shop):
    selectors(shop, """\
        selectors:
          - name: other
            definition: m_c
          - name: daily
            description: what runs when nothing is said
            default: true
            definition: 'tag:hourly stg_b'
        """)
    # ls uses it too (dbt's ls does)
    assert ls(shop) == [LONELY, STG_B, REL]
    r = shop.xform("run", expect=0)
    assert "Using default selector daily" in r.out
    assert r.summary()["TOTAL"] == 2
    assert shop.relations() == {"lonely": "table", "stg_b": "table"}
    # with JSON logs: dbt's DefaultSelector event
    r = shop.xform("run", "--log-format", "json", expect=0)
    events = [json.loads(ln) for ln in r.out.splitlines() if ln.startswith("{")]
    sel = [e for e in events if e["info"]["name"] == "DefaultSelector"]
    assert [(e["info"]["code"], e["data"]) for e in sel] == [("Q022", {"name": "daily"})]
    assert sel[0]["info"]["msg"] == "Using default selector daily"
    # --select or --exclude: the default is not used
    assert ls(shop, "--select", "m_c") == [M_C]
    assert ls(shop, "--exclude", "m_c", "--resource-type", "model") == [M_AB, LONELY, STG_A, STG_B]
    # --selector names another one
    assert ls(shop, "--selector", "other") == [M_C]


@pytest.mark.feature("select.selectors")
def test_no_default_selects_everything(shop):
    assert len(ls(shop, "--resource-type", "model")) == 5


@pytest.mark.feature("select.selectors")
def test_selector_wins_over_select_with_a_warning(shop):
    # dbt 1.10 uses --selector and ignores --select/--exclude; xform says so
    r = shop.xform("ls", "--selector", "key_value", "--select", "lonely", "--exclude", "m_ab",
                   expect=0)
    assert r.out.split() == [M_AB, STG_A, NOT_NULL_AB, REL, UNIQUE_A]
    assert "warning: --select and --exclude are ignored because --selector 'key_value' is " \
           "given" in r.err


@pytest.mark.feature("select.selectors")
def test_leaf_matching_nothing_warns_at_its_line(shop):
    selectors(shop, """\
        selectors:
          - name: pick
            definition:
              union:
                - lonely
                - no_such_model
        """)
    r = shop.xform("ls", "--selector", "pick", expect=0)
    assert r.out.split() == [LONELY]
    assert "selectors.yml:6:11: warning: the selection criterion 'no_such_model' does not " \
           "match any enabled nodes" in r.err


# ---------------------------------------------------------------- build
@pytest.mark.feature("select.selectors")
def test_build_selector_builds_exactly_its_nodes(wh):
    w = wh("selectors")
    w.p.write("selectors.yml", textwrap.dedent("""\
        selectors:
          - name: build_me
            definition:
              union:
                - method: fqn
                  value: m_ab
                  parents: true
                - exclude:
                    - 'test_name:relationships'
        """))
    r = w.xform("build", "--selector", "build_me", expect=0)
    summary = r.summary()
    assert (summary["PASS"], summary["ERROR"], summary["TOTAL"]) == (5, 0, 5)
    assert "relationships" not in r.out
    assert w.relations() == {"stg_a": "table", "stg_b": "table", "m_ab": "table"}
    assert sorted(w.rows("select id from m_ab")) == [(1,), (2,)]


# ---------------------------------------------------------------- errors
def located(r, line, col, msg, more=()):
    """The selectors.yml errors are exactly (line, col, msg) and `more`."""
    diags = [d for d in parse_diags(r.err) if path_matches(d.path, "selectors.yml")]
    assert [(d.line, d.col, d.msg) for d in diags] == [(line, col, msg), *more], str(r)


ERRORS = [
    # (selectors.yml, line, col, message)
    ("""\
     selectors:
       - name: a
         defintion: x
     """, 3, 5, "unknown key 'defintion' in a selector (did you mean 'definition'?)",
     [(2, 11, "selector 'a' has no definition")]),
    ("""\
     selectors:
       - description: nameless
         definition: x
     """, 2, 5, "selector has no name"),
    ("""\
     selectors:
       - name: a
     """, 2, 11, "selector 'a' has no definition"),
    ("""\
     selectors:
       - name: a
         definition:
           method: tga
           value: x
     """, 4, 15, "unknown selector method 'tga' in 'tga:x' (did you mean 'tag'?)"),
    ("""\
     selectors:
       - name: a
         definition: 'm_ab resource_type:modle'
     """, 3, 17, "unknown resource type 'modle' in 'resource_type:modle' (did you mean "
                 "'model'?)"),
    ("""\
     selectors:
       - name: a
         definition: {tga: x}
     """, 3, 18, "unknown selector method 'tga' in 'tga:x' (did you mean 'tag'?)"),
    ("""\
     selectors:
       - name: a
         definition:
           method: tag
           value: x
           parent: true
     """, 6, 7, "unknown key 'parent' in a selector definition (did you mean 'parents'?)"),
    ("""\
     selectors:
       - name: a
         definition:
           method: tag
           value: x
           indirect_selection: eagre
     """, 6, 27, "unknown indirect_selection 'eagre' (did you mean 'eager'?)"),
    ("""\
     selectors:
       - name: a
         definition:
           method: tag
           value: x
           parents: yes please
     """, 6, 16, "'parents' must be true or false"),
    ("""\
     selectors:
       - name: a
         definition:
           method: tag
           value: x
           children_depth: two
     """, 6, 23, "'children_depth' must be a whole number of generations (0 or more)"),
    ("""\
     selectors:
       - name: a
         definition:
           value: x
     """, 4, 7, "selector definition has no method"),
    ("""\
     selectors:
       - name: a
         definition:
           method: tag
     """, 4, 7, "selector definition with method 'tag' has no value"),
    ("""\
     selectors:
       - name: a
         definition:
           method: ''
           value: x
     """, 4, 15, "selector definition has no method"),
    ("""\
     selectors:
       - name: a
         definition:
           tag: nightly
           path: models
     """, 4, 7, "a key-value selector definition must have exactly one key"),
    ("""\
     selectors:
       - name: a
         definition:
           tag: [a, b]
     """, 4, 12, "the value of 'tag' must be a single value"),
    ("""\
     selectors:
       - name: a
         definition: [m_ab, m_c]
     """, 3, 17, "a selector definition cannot be a bare list"),
    ("""\
     selectors:
       - name: a
         definition: ''
     """, 3, 17, "empty selector definition"),
    ("""\
     selectors:
       - name: a
         definition: ' , '
     """, 3, 17, "empty selector definition"),
    ("""\
     selectors:
       - name: a
         definition:
           exclude: [m_ab]
     """, 4, 7, "'exclude' is only allowed inside 'union', 'intersection' or a full "
               "definition"),
    ("""\
     selectors:
       - name: a
         definition:
           union: m_ab
     """, 4, 14, "'union' must be a list"),
    ("""\
     selectors:
       - name: a
         definition:
           intersection:
             - exclude: [m_ab]
     """, 4, 7, "'intersection' selects nothing: it has no items besides exclude"),
    ("""\
     selectors:
       - name: a
         definition: 'selector:nightlly'
       - name: nightly
         definition: 'tag:nightly'
     """, 3, 17, "selector 'a' refers to unknown selector 'nightlly' (did you mean "
                 "'nightly'?)"),
    ("""\
     selectors:
       - name: a
         definition: '+selector:b'
       - name: b
         definition: m_ab
     """, 3, 17, "graph operators cannot be applied to '+selector:b'"),
    ("""\
     selectors:
       - name: a
         definition:
           method: selector
           value: b
           children: true
       - name: b
         definition: m_ab
     """, 4, 15, "graph operators and indirect_selection cannot be applied to a selector "
                 "reference"),
    ("""\
     selectors:
       - name: a
         definition: 'selector:b'
       - name: b
         definition:
           union:
             - m_c
             - method: selector
               value: a
     """, 9, 18, "selectors refer to each other in a cycle: 'a' -> 'b' -> 'a'"),
    ("""\
     selectors:
       - name: a
         definition: 'selector:a'
     """, 3, 17, "selectors refer to each other in a cycle: 'a' -> 'a'"),
    ("""\
     selectors:
       - name: a
         default: true
         definition: m_ab
       - name: b
         default: true
         definition: m_c
     """, 6, 14, "selectors 'a' and 'b' are both marked default: true"),
    ("""\
     selectors:
       - name: a
         default: sometimes
         definition: m_ab
     """, 3, 14, "'default' must be true or false"),
    ("""\
     selectors:
       - name: a
         definition: m_ab
       - name: a
         definition: m_c
     """, 4, 11, "selector 'a' is defined twice (first at line 2)"),
    ("""\
     selectors:
       - just a string
     """, 2, 5, "a selector must be a mapping"),
    ("""\
     selector:
       - name: a
         definition: m_ab
     """, 1, 1, "unknown key 'selector' in selectors.yml",
     [(1, 1, "selectors.yml must have a 'selectors:' list")]),
    ("""\
     selectors: m_ab
     """, 1, 12, "selectors.yml must have a 'selectors:' list"),
]


@pytest.mark.feature("select.selectors")
@pytest.mark.parametrize("error", ERRORS, ids=[e[3][:40] for e in ERRORS])
def test_errors_are_located_and_run_nothing(shop, error):
    selectors(shop, error[0])
    r = shop.xform("run", "--selector", "a", expect=2)
    located(r, *error[1:])
    assert shop.db_files() == []  # nothing ran


@pytest.mark.feature("select.selectors")
def test_errors_apply_to_the_default_lookup_too(shop):
    # a broken selectors.yml is reported even when only the default is looked for
    selectors(shop, """\
        selectors:
          - name: a
            default: true
            definition: 'tga:x'
        """)
    r = shop.xform("ls", expect=2)
    located(r, 4, 17, "unknown selector method 'tga' in 'tga:x' (did you mean 'tag'?)")
    assert r.out == "" or "shop." not in r.out


@pytest.mark.feature("select.selectors")
def test_unknown_selector_name(shop):
    r = shop.xform("build", "--selector", "key_valeu", expect=2)
    assert "error: unknown selector 'key_valeu' (did you mean 'key_value'?)" in r.err
    assert "hint: selectors in selectors.yml: cli_style, key_value, full" in r.err
    assert shop.db_files() == []


@pytest.mark.feature("select.selectors")
def test_selector_without_selectors_file(shop):
    shop.path("selectors.yml").unlink()
    r = shop.xform("ls", "--selector", "nightly", expect=2)
    assert "error: unknown selector 'nightly'" in r.err
    assert "hint: the project has no selectors in selectors.yml" in r.err


@pytest.mark.feature("select.selectors")
def test_unreadable_selectors_file(shop):
    shop.path("selectors.yml").unlink()
    shop.path("selectors.yml").mkdir()
    r = shop.xform("ls", "--selector", "nightly", expect=2)
    assert "error: cannot read 'selectors.yml': Is a directory" in r.err


# ---------------------------------------------------------------- source freshness
@pytest.mark.feature("select.selectors")
def test_source_freshness_selector(make_project):
    from test_freshness import prepare, results
    from warehouse import Warehouse
    w = prepare(Warehouse(make_project("freshness"), "sqlite"))
    w.p.write("selectors.yml", textwrap.dedent("""\
        selectors:
          - name: two
            definition:
              union: ['source:src.fresh', 'source:src.late']
        """))
    r = w.xform("source", "freshness", "--selector", "two", expect=0)
    assert r.summary()["TOTAL"] == 2
    assert sorted(results(w)) == ["src.fresh", "src.late"]

"""Templates compiled by sitegen's code generator print what Jinja's own
code prints, for every kind of value and every construct that prints."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from conftest import REPO
from sitegen.jinjacode import InlineCodeGenerator
from sitegen.render import ShapedDataEnvironment, make_environment


class StockCodeEnvironment(ShapedDataEnvironment):
    """The same environment with Jinja's own code generator: the reference."""

    code_generator_class = CodeGenerator


class Thing:
    title = "an <object>"
    nested = {"key": "in & out"}

    def __html__(self) -> str:
        return "<thing/>"


TEMPLATE = """\
{%- macro card(item) %}<i>{{ item.title }}</i>{% endmacro -%}
{%- set block %}{{ d.text }}&amp;{% endset -%}
text {{ d.text }} markup {{ d.markup }} none {{ d.none }} int {{ d.number }} float {{ d.ratio }} date {{ d.day }}
html-object {{ thing }} attribute {{ thing.title }} nested {{ thing.nested.key }} deep {{ d.sub.sub.text }}
macro {{ card(d) }} set {{ block }} call {{ d.get("text") }} concat {{ d.text ~ "<" }} filter {{ d.text|upper }}
safe {{ d.text|safe }} defined {{ d.missing is defined }} literal {{ "<lit>" }} {{ 7 }}
{% for row in d.rows if row.text %}{{ loop.index }}={{ row.text }};{% endfor %}
{% filter upper %}{{ d.text }}{% endfilter %}
{% autoescape false %}raw {{ d.text }}{% endautoescape %}
{% with x = d.sub %}{{ x.sub.text }}{% endwith %}
{{ d.list[1] }} {{ d.list|join(", ") }} {{ d.sub["sub"].text }} {{ d.text if d.number else d.none }}
"""

DATA = {
    "d": {
        "text": "a<b>&'\"",
        "markup": Markup("<b>kept</b>"),
        "none": None,
        "number": 5,
        "ratio": 0.25,
        "day": dt.date(2021, 8, 13),
        "title": "T & <t>",
        "sub": {"sub": {"text": "deep <"}},
        "rows": [{"text": "1<"}, {"text": ""}, {"text": "3>"}],
        "list": ["x<", "y>", "z&"],
    },
    "thing": Thing(),
}


def render(environment_class: type, source: str, data: dict) -> str:
    environment = environment_class(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.from_string(source).render(**data)


def test_every_printed_value_is_what_jinjas_own_code_prints():
    ours, stock = render(ShapedDataEnvironment, TEMPLATE, DATA), render(StockCodeEnvironment, TEMPLATE, DATA)
    assert ours == stock
    # and what that is was escaped as HTML needs it, checked by hand:
    assert "text a&lt;b&gt;&amp;&#39;&#34; markup <b>kept</b> none None int 5" in ours
    assert "html-object <thing/> attribute an &lt;object&gt; nested in &amp; out deep deep &lt;" in ours
    assert "1=1&lt;;2=3&gt;;" in ours and "raw a<b>&'\"" in ours


@pytest.mark.parametrize("source", ["{{ d.nope }}", "{{ d.nope.deeper }}", "{{ thing.nope }}", "{{ nothing }}"])
def test_an_undefined_value_fails_as_it_does_in_jinja(source):
    errors = []
    for environment_class in (ShapedDataEnvironment, StockCodeEnvironment):
        with pytest.raises(jinja2.UndefinedError) as raised:
            render(environment_class, source, DATA)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]


def test_the_built_in_templates_compile_with_the_inline_code():
    environment = make_environment(REPO)
    assert environment.code_generator_class is InlineCodeGenerator
    names = [name for name in environment.list_templates() if name.endswith((".html", ".xml", ".txt"))]
    assert "entity.html" in names and "feed.xml" in names
    for name in names:
        source = environment.loader.get_source(environment, name)[0]
        code = environment.compile(source, name, raw=True)  # raises if the inline code were not valid Python
        if "{{" in source:
            assert "_sitegen_escape_text(_sitegen_out)" in code, name

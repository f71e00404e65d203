"""The Python code sitegen's templates compile to: Jinja's own, with its
two most frequent calls made inline.

A page prints thousands of values (`{{ item.title }}` in every row of an
entity's list of articles), and Jinja compiles each to
`escape(environment.getattr(item, 'title'))`: two calls of Python
functions, and a `Markup` object made for every value only to be joined
into the page. Here, for the shaped data templates are given (plain dicts
and strings), the same expression reads the key and escapes the text
directly; any other value takes Jinja's own path, so what a page prints
does not change.
"""

from __future__ import annotations

import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst

try:
    from markupsafe import _escape_inner as escape_text  # the C escaper behind `escape` (MarkupSafe 3)
except ImportError:  # pragma: no cover - older MarkupSafe, whose `escape` is C itself

    def escape_text(text: str) -> str:
        return str(markupsafe.escape(text))


ESCAPE_TEXT = "_sitegen_escape_text"
"""The name `escape_text` has in compiled templates."""


class InlineCodeGenerator(CodeGenerator):
    """Compiles `{{ value }}` and `a.b` for shaped data without function calls.

    Printed values go straight into the page's ''.join (or a block's buffer,
    which Jinja wraps in Markup after joining), so a plain string needs its
    text escaped, not a Markup of it. The walrus targets are fresh names,
    each used only right after it is set, so nested expressions cannot mix
    them up.
    """

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(f"from sitegen.jinjacode import escape_text as {ESCAPE_TEXT}")
        super().visit_Template(node, frame)

    @staticmethod
    def _escapes_inline(frame: Frame, finalize) -> bool:
        """Whether printed values are always escaped here, with nothing run on them first."""
        return frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize) -> None:
        if self._escapes_inline(frame, finalize):
            self.write(f"({ESCAPE_TEXT}(_sitegen_out) if type(_sitegen_out := (")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize) -> None:
        if self._escapes_inline(frame, finalize):
            self.write(")) is str else escape(_sitegen_out))")
        else:
            super()._output_child_post(node, frame, finalize)

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async:
            super().visit_Getattr(node, frame)
            return
        key = repr(node.attr)
        self.write("(_sitegen_obj[" + key + "] if type(_sitegen_obj := ")
        self.visit(node.node, frame)
        self.write(f") is dict and {key} in _sitegen_obj else environment.getattr(_sitegen_obj, {key}))")

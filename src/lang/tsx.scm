; tsx.scm — CodeGraph extraction query for TSX (tree-sitter-typescript, grammar "tsx"),
; our own: the whole of typescript.scm (included at build time by build.zig) plus the JSX
; section below. Conventions and engine rules: include/codegraph/extract.h.
; include: typescript.scm
;
; Known gaps (kept in tests/fixtures/typescript/expected.graph):
;   <ns.Comp> is a call to "Comp" (the member name is not qualified).

; ---- JSX -----------------------------------------------------------------------------
; <Comp …> and <ns.Comp …> with an upper-case name -> a call to the component.

((jsx_opening_element name: (identifier) @name) @reference.call
 (#match? @name "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @name) @reference.call
 (#match? @name "^[A-Z]"))
(jsx_opening_element name: (member_expression property: (property_identifier) @name)) @reference.call
(jsx_self_closing_element
  name: (member_expression property: (property_identifier) @name)) @reference.call

; ruby.scm — CodeGraph extraction query for Ruby (tree-sitter-ruby), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * module -> module; class -> class; def -> function (method inside a class or module);
;   `def self.x` -> method; `CONST = …` -> constant. `class A::B` is named B.
; * @doc: the run of # comments right before a definition.
; * imports: `require 'x'`, `require_relative 'x'`, `load 'x'` with a literal -> @name = x.
; * calls: a call node (`f(x)`, `f x`, `o.f`, `o&.f`, `A::f`) -> @name = the method name;
;   `A.new` / `A::B.new` -> a call to A / B (like `new A()` elsewhere). A bare identifier
;   (`describe` with no receiver, arguments or parentheses) is not a call: the grammar
;   cannot tell it from a local variable. require/include/extend/prepend are not calls.
; * inheritance: `class A < B` -> inherit (@name as written: "B", "M::B");
;   `include M`, `extend M`, `prepend M` in a class/module body -> implement (mixins).
;
; Known gaps (kept in tests/fixtures/ruby/expected.graph):
;   calls are named by the method name (Format.number(x) -> "number"), so they
;   resolve by name rather than through the require; a bare identifier is never a call.

; ---- definitions -------------------------------------------------------------------

; A def directly in a module is a method (mixin or module method; the engine only re-kinds
; functions nested in class-like entities); it comes first so that its kind wins the merge
; with the generic pattern below, which supplies the doc.
(module body: (body_statement (method name: (_) @name) @definition.method))

((comment)* @doc
  .
  [
    (module name: [(constant) @name (scope_resolution name: (_) @name)]) @definition.module
    (class name: [(constant) @name (scope_resolution name: (_) @name)]) @definition.class
    (method name: (_) @name) @definition.function
    (singleton_method name: (_) @name) @definition.method
    (assignment left: (constant) @name) @definition.constant
  ])

; ---- imports -------------------------------------------------------------------------

((call
   !receiver
   method: (identifier) @_req
   arguments: (argument_list . (string . (string_content) @name .))) @reference.import
  (#any-of? @_req "require" "require_relative" "load"))

; ---- calls -----------------------------------------------------------------------------

((call method: [(identifier) (constant)] @name) @reference.call
  (#not-any-of? @name "new" "require" "require_relative" "load" "include" "extend" "prepend"))

((call
   receiver: [(constant) @name (scope_resolution name: (constant) @name)]
   method: (identifier) @_new) @reference.call
  (#eq? @_new "new"))

; ---- inheritance -----------------------------------------------------------------------

(class superclass: (superclass [(constant) (scope_resolution)] @name @reference.inherit))

((call
   !receiver
   method: (identifier) @_mix
   arguments: (argument_list [(constant) (scope_resolution)] @name @reference.implement))
  (#any-of? @_mix "include" "extend" "prepend"))

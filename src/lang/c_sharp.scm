; c_sharp.scm — CodeGraph extraction query for C# (tree-sitter-c-sharp), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * namespace (block and file-scoped) -> module, @name as written ("Acme.Shapes"); the
;   types after a file-scoped namespace are qualified by it through @scope.
; * class, record -> class; struct (and record struct) -> struct; interface, enum as is;
;   delegate -> type_alias (a named function type).
; * method, constructor -> method (a constructor is named after its class); a local
;   function -> function (its parent is the enclosing method); a `const` field ->
;   constant (one entity per declarator). Properties, fields and events are not entities.
; * @doc: the /// or /** */ comments right before a definition; // comments are not docs.
; * imports: `using X;`, `using static X;`, `using A = X;` -> @name = X as written.
; * calls: invocation @name = the callee as written: Foo, a.Foo -> "a.Foo", this.Foo,
;   base.Foo, a.Foo<T> -> "a.Foo<T>" (the resolver drops type arguments), a?.Foo ->
;   "a?.Foo";
;   `new T(...)` -> call to T; `nameof(x)` is not a call.
; * inheritance: C# syntax does not tell a base class from an interface in a base list.
;   In a class/record: an entry named I<Upper>… (the .NET naming rule) -> implement; the
;   first other entry -> inherit; later entries -> implement. In an interface every entry
;   -> inherit (interfaces extend interfaces). In a struct every entry -> implement.
;   @name is the type as written without type arguments (List<int> -> List).
; * type references: the declared types of parameters, return values, fields, properties
;   and typed locals, as written without type arguments (Shape, A.B, List<T> -> List,
;   T? -> T). Predefined types (int, string, …) and `var` are not references.
;
; Known gaps (kept in tests/fixtures/csharp/expected.graph):
;   a?.F() is named "F" (the receiver is dropped); receivers are untyped
;   (s.Area() with s: Shape is ambiguous); .NET types (List, Console, IDisposable) stay
;   unresolved.

; ---- definitions -------------------------------------------------------------------

((comment)* @doc
  .
  [
    (namespace_declaration name: (_) @name) @definition.module
    (file_scoped_namespace_declaration name: (_) @name) @definition.module
    (class_declaration name: (identifier) @name) @definition.class
    (record_declaration name: (identifier) @name) @definition.class
    (struct_declaration name: (identifier) @name) @definition.struct
    (interface_declaration name: (identifier) @name) @definition.interface
    (enum_declaration name: (identifier) @name) @definition.enum
    (delegate_declaration name: (identifier) @name) @definition.type_alias
    (method_declaration name: (identifier) @name) @definition.method
    (constructor_declaration name: (identifier) @name) @definition.method
    (local_function_statement name: (identifier) @name) @definition.function
    (field_declaration
      (modifier "const")
      (variable_declaration (variable_declarator name: (identifier) @name))) @definition.constant
  ]
  (#match? @doc "^(///|/[*][*])"))

; A file-scoped `namespace A.B;` does not contain the declarations after it: they get
; @scope A.B, so they are qualified A.B.X as in a block namespace (the engine merges
; this match with the one above).
(compilation_unit
  (file_scoped_namespace_declaration name: (_) @scope)
  [
    (class_declaration name: (identifier) @name) @definition.class
    (record_declaration name: (identifier) @name) @definition.class
    (struct_declaration name: (identifier) @name) @definition.struct
    (interface_declaration name: (identifier) @name) @definition.interface
    (enum_declaration name: (identifier) @name) @definition.enum
    (delegate_declaration name: (identifier) @name) @definition.type_alias
  ])

; ---- imports -------------------------------------------------------------------------

(using_directive !name (_) @name) @reference.import
(using_directive name: (identifier) (_) @name) @reference.import

; ---- calls -----------------------------------------------------------------------------

((invocation_expression
   function: [
     (identifier) @name
     (generic_name (identifier) @name)
     (member_access_expression) @name
     (conditional_access_expression (member_binding_expression)) @name
   ]) @reference.call
  (#not-eq? @name "nameof"))

(object_creation_expression
  type: [
    (identifier) @name
    (qualified_name) @name
    (generic_name (identifier) @name)
  ]) @reference.call

; ---- inheritance -----------------------------------------------------------------------

(class_declaration
  (base_list . [(identifier) (qualified_name)] @name @reference.inherit)
  (#not-match? @name "^I[A-Z]"))
(class_declaration
  (base_list . (generic_name (identifier) @name) @reference.inherit)
  (#not-match? @name "^I[A-Z]"))
(record_declaration
  (base_list . [(identifier) (qualified_name)] @name @reference.inherit)
  (#not-match? @name "^I[A-Z]"))
(record_declaration
  (base_list . (primary_constructor_base_type type: (identifier) @name) @reference.inherit))

(class_declaration
  (base_list . (_) [(identifier) (qualified_name)] @name @reference.implement))
(class_declaration
  (base_list . (_) (generic_name (identifier) @name) @reference.implement))
(class_declaration
  (base_list . [(identifier) (qualified_name)] @name @reference.implement)
  (#match? @name "^I[A-Z]"))
(class_declaration
  (base_list . (generic_name (identifier) @name) @reference.implement)
  (#match? @name "^I[A-Z]"))
(record_declaration
  (base_list . (_) [(identifier) (qualified_name)] @name @reference.implement))
(record_declaration
  (base_list . [(identifier) (qualified_name)] @name @reference.implement)
  (#match? @name "^I[A-Z]"))

(interface_declaration
  (base_list [(identifier) (qualified_name)] @name @reference.inherit))
(interface_declaration
  (base_list (generic_name (identifier) @name) @reference.inherit))

(struct_declaration
  (base_list [(identifier) (qualified_name)] @name @reference.implement))
(struct_declaration
  (base_list (generic_name (identifier) @name) @reference.implement))

; ---- type references -----------------------------------------------------------------

(parameter type: [(identifier) @name @reference.type
     (qualified_name) @name @reference.type
     (generic_name (identifier) @name) @reference.type
     (nullable_type type: [(identifier) (qualified_name)] @name @reference.type)
     (nullable_type type: (generic_name (identifier) @name) @reference.type)])
(method_declaration returns: [(identifier) @name @reference.type
     (qualified_name) @name @reference.type
     (generic_name (identifier) @name) @reference.type
     (nullable_type type: [(identifier) (qualified_name)] @name @reference.type)
     (nullable_type type: (generic_name (identifier) @name) @reference.type)])
(local_function_statement type: [(identifier) @name @reference.type
     (qualified_name) @name @reference.type
     (generic_name (identifier) @name) @reference.type
     (nullable_type type: [(identifier) (qualified_name)] @name @reference.type)
     (nullable_type type: (generic_name (identifier) @name) @reference.type)])
(delegate_declaration type: [(identifier) @name @reference.type
     (qualified_name) @name @reference.type
     (generic_name (identifier) @name) @reference.type
     (nullable_type type: [(identifier) (qualified_name)] @name @reference.type)
     (nullable_type type: (generic_name (identifier) @name) @reference.type)])
(variable_declaration type: [(identifier) @name @reference.type
     (qualified_name) @name @reference.type
     (generic_name (identifier) @name) @reference.type
     (nullable_type type: [(identifier) (qualified_name)] @name @reference.type)
     (nullable_type type: (generic_name (identifier) @name) @reference.type)])
(property_declaration type: [(identifier) @name @reference.type
     (qualified_name) @name @reference.type
     (generic_name (identifier) @name) @reference.type
     (nullable_type type: [(identifier) (qualified_name)] @name @reference.type)
     (nullable_type type: (generic_name (identifier) @name) @reference.type)])

"""The tamis policy language: text -> Lark tree -> AST -> checked policy, with diagnostics."""

"""``bridge check``: will this app survive as a function?

Static checks read the project's own code and settings (:mod:`.code_checks`), the dynamic probe
imports the app in a child process with its code directory read-only (:mod:`.probe`), the
framework settings it loaded are judged per platform (:mod:`.settings_checks`), and
:mod:`.report` renders the findings (:mod:`.findings`). The function handler never imports this
package: it is a developer's tool.
"""

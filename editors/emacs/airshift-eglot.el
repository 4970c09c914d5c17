;;; airshift-eglot.el --- Run the Airshift language server through eglot  -*- lexical-binding: t -*-

;;; Commentary:

;; Registers `airshift serve' with eglot for Python buffers.  Load this file
;; from your init file, then start the server with M-x eglot in a DAG file,
;; or on every Python file with:
;;
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; eglot runs one server per buffer, so this entry takes the place of any
;; other Python server in `eglot-server-programs'.

;;; Code:

(require 'eglot)

(defgroup airshift nil
  "Airflow to Prefect migration through the Airshift language server."
  :group 'tools)

(defcustom airshift-program "airshift"
  "The airshift binary: a name looked up on `exec-path', or an absolute path."
  :type 'string)

(defcustom airshift-mappings nil
  "Extra mapping documents, or folders of them, for in-house operators.
Relative paths start at the project root."
  :type '(repeat string))

(defcustom airshift-work-pool nil
  "The Prefect Kubernetes work pool named in rewrites.
When nil, the server uses work-pool from [tool.airshift] in the
project's pyproject.toml or airshift.toml, else kubernetes-pool."
  :type '(choice (const :tag "From the project, else kubernetes-pool" nil) string))

(defcustom airshift-unsafe-fixes nil
  "Whether fixing all also applies rewrites that need review.
When nil, the server uses unsafe-fixes from the project's configuration."
  :type '(choice (const :tag "From the project" nil)
                 (const :tag "Apply them" t)
                 (const :tag "Do not apply them" :json-false)))

(defun airshift-eglot-settings ()
  "Return the settings that `airshift serve' reads, as a plist for JSON.
Settings left at nil are left out, so that the project's configuration applies."
  (append (list :mappings (vconcat airshift-mappings))
          (when airshift-work-pool (list :workPool airshift-work-pool))
          (when airshift-unsafe-fixes (list :unsafeFixes airshift-unsafe-fixes))))

(defun airshift-eglot-initialization-options (_server)
  "Return the initializationOptions for `airshift serve'."
  (list :airshift (airshift-eglot-settings)))

(defun airshift-eglot-workspace-configuration (_server)
  "Return a value for `eglot-workspace-configuration' with the Airshift settings."
  (list :airshift (airshift-eglot-settings)))

;; eglot 1.9 sends workspace/didChangeConfiguration as soon as it connects,
;; with an empty object when `eglot-workspace-configuration' is unset, and
;; airshift serve replaces its settings with each such message. So the
;; settings go there as well, unless the user has set the variable.
(unless (default-value 'eglot-workspace-configuration)
  (setq-default eglot-workspace-configuration #'airshift-eglot-workspace-configuration))

(defun airshift-eglot-contact (_interactive)
  "Return the eglot contact that starts `airshift serve'."
  (list airshift-program "serve"
        :initializationOptions #'airshift-eglot-initialization-options))

(add-to-list 'eglot-server-programs
             '((python-mode python-ts-mode) . airshift-eglot-contact))

(provide 'airshift-eglot)

;;; airshift-eglot.el ends here

;;; test.el --- Batch-mode eglot test of Airshift  -*- lexical-binding: t -*-

;; Drives `airshift serve' from Emacs and eglot (Debian 12: Emacs 28.2,
;; elpa-eglot 1.9) through editors/emacs/airshift-eglot.el.
;;   emacs --batch -l editors/test/emacs/test.el
;; Environment: AIRSHIFT_REPO, AIRSHIFT_WORK (the projects prepare.js made),
;; AIRSHIFT_RESULT (the results file), and bin/airshift first on PATH.
;; Exit status: 0 when every check passed, 1 when one failed, 2 when the
;; script itself raised an error.

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'lisp-mnt)
(require 'subr-x)

(defun airshift-test--env (name)
  (or (getenv name) (error "%s is not set" name)))

(defvar airshift-test-repo (airshift-test--env "AIRSHIFT_REPO"))
(defvar airshift-test-work (airshift-test--env "AIRSHIFT_WORK"))
(defvar airshift-test-result-path (airshift-test--env "AIRSHIFT_RESULT"))
(defvar airshift-test-wait-seconds 10)

(load (expand-file-name "editors/emacs/airshift-eglot.el" airshift-test-repo) nil t)
(require 'python)
(require 'flymake)

(defvar airshift-test-fixtures
  (let ((json-object-type 'alist)
        (json-array-type 'list)
        (json-key-type 'symbol))
    (json-read-file (expand-file-name "editors/test/fixtures.json" airshift-test-repo))))

(defvar airshift-test-checks nil "Finished checks, the newest first.")
(defvar airshift-test-error nil "The error that stopped the script, if any.")

(defun airshift-test--version ()
  (format "Emacs %s, eglot %s" emacs-version
          (or (lm-version (locate-library "eglot.el")) "unknown")))

(defun airshift-test--write ()
  (let ((coding-system-for-write 'utf-8)
        (results `((client . "Emacs eglot")
                   (version . ,(airshift-test--version))
                   (checks . ,(vconcat (reverse airshift-test-checks)))
                   ,@(when airshift-test-error `((error . ,airshift-test-error))))))
    (with-temp-file airshift-test-result-path
      (insert (json-encode results)))))

(define-error 'airshift-test-failed "Check failed")

(defun airshift-test--expect (condition format-string &rest args)
  "Signal `airshift-test-failed' with a formatted message unless CONDITION."
  (unless condition
    (signal 'airshift-test-failed (list (apply #'format format-string args)))))

(defun airshift-test--check (name body)
  "Run BODY as the check NAME and record its result; return non-nil if it passed.
BODY returns a detail string or signals the reason it failed."
  (let ((start (float-time))
        (status "failed")
        detail)
    (condition-case err
        (setq detail (funcall body)
              status "ok")
      (airshift-test-failed (setq detail (cadr err)))
      (error (setq detail (format "%S" err))))
    (push `((name . ,name)
            (status . ,status)
            (detail . ,(format "%s" (or detail "")))
            (ms . ,(/ (round (* 10000 (- (float-time) start))) 10.0)))
          airshift-test-checks)
    (airshift-test--write)
    (equal status "ok")))

(defun airshift-test--wait (predicate)
  "Process server output and timers until PREDICATE holds or the wait limit passes."
  (let ((deadline (+ (float-time) airshift-test-wait-seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (funcall predicate)))

;; The version of the newest publishDiagnostics for each file.
(defvar airshift-test-published (make-hash-table :test 'equal))

(advice-add 'eglot-handle-notification :after
            (lambda (_server method &rest params)
              (when (eq method 'textDocument/publishDiagnostics)
                (puthash (eglot--uri-to-path (plist-get params :uri))
                         (or (plist-get params :version) -1)
                         airshift-test-published))))

(defun airshift-test--lsp-diagnostic (diagnostic)
  "Return the LSP object that eglot made the flymake DIAGNOSTIC from."
  (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data diagnostic))))

(defun airshift-test--diagnostics (count)
  "Wait until flymake has COUNT diagnostics in this buffer, and return them sorted."
  (airshift-test--wait (lambda ()
                         (flymake-start)
                         (>= (length (flymake-diagnostics)) count)))
  (sort (flymake-diagnostics)
        (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b)))))

(defun airshift-test--expect-ranges (diagnostics name code)
  "Check that each of DIAGNOSTICS has CODE and covers NAME; return their positions."
  (mapconcat
   (lambda (diagnostic)
     (let ((covered (buffer-substring-no-properties (flymake-diagnostic-beg diagnostic)
                                                    (flymake-diagnostic-end diagnostic)))
           (lsp-code (plist-get (airshift-test--lsp-diagnostic diagnostic) :code)))
       (airshift-test--expect (equal covered name) "diagnostic covers %S, expected %s" covered name)
       (airshift-test--expect (equal lsp-code code) "code %S, expected %s" lsp-code code)
       (save-excursion
         (goto-char (flymake-diagnostic-beg diagnostic))
         (format "%d:%d" (line-number-at-pos) (1+ (current-column))))))
   diagnostics ", "))

(defun airshift-test--start-server (project)
  "Start eglot for the current buffer and return the server, checking its PROJECT root."
  (apply #'eglot (eglot--guess-contact))
  (let ((server (eglot-current-server)))
    (airshift-test--expect server "eglot did not connect")
    (let ((root (expand-file-name (project-root (eglot--project server)))))
      (airshift-test--expect (equal (file-name-as-directory root) (file-name-as-directory project))
                             "project root %s, expected %s" root project))
    server))

(defun airshift-test--file-text (path)
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8))
      (insert-file-contents path))
    (buffer-string)))

(defun airshift-test--dag (dag)
  (let* ((source (alist-get 'source dag))
         (label (file-name-nondirectory source))
         (project (expand-file-name (alist-get 'name dag) airshift-test-work))
         (file (expand-file-name (concat "dags/" label) project))
         (expected-count (alist-get 'diagnostics dag))
         server diagnostics target action)
    (find-file file)
    (and
     (airshift-test--check
      (concat label ": server starts")
      (lambda ()
        (airshift-test--expect (eq major-mode 'python-mode) "major mode %s" major-mode)
        (setq server (airshift-test--start-server project))
        (format "%s, project root %s"
                (mapconcat #'identity (process-command (jsonrpc--process server)) " ")
                (project-root (eglot--project server)))))
     (airshift-test--check
      (concat label ": AS101 diagnostics")
      (lambda ()
        (setq diagnostics (airshift-test--diagnostics expected-count))
        (airshift-test--expect (= (length diagnostics) expected-count)
                               "%d diagnostics, expected %d" (length diagnostics) expected-count)
        (format "%d AS101 at %s (line:column)" (length diagnostics)
                (airshift-test--expect-ranges diagnostics "KubernetesPodOperator" "AS101"))))
     (progn
       (goto-char (point-min))
       (search-forward (alist-get 'target dag))
       (goto-char (match-beginning 0))
       (search-forward "KubernetesPodOperator")
       (setq target (match-beginning 0))
       t)
     (progn
       (airshift-test--check
        (concat label ": hover")
        (lambda ()
          (goto-char (+ target 3))
          (let* ((hover (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams)))
                 (contents (plist-get hover :contents))
                 (value (if (stringp contents) contents (plist-get contents :value))))
            (airshift-test--expect (stringp value) "no hover text: %S" hover)
            (dolist (needle (alist-get 'hover_contains dag))
              (airshift-test--expect (string-search needle value) "hover lacks %S" needle))
            ;; NOTE: airshift serve answers with Markdown even when eglot
            ;; asks for plaintext only, which eglot 1.9 does unless
            ;; markdown-mode is installed. The detail records both.
            (format "%s, %d characters; eglot asked for %S"
                    (or (plist-get contents :kind) "a plain string") (length value)
                    (plist-get (plist-get (plist-get (eglot-client-capabilities server) :textDocument) :hover)
                               :contentFormat)))))
       t)
     (airshift-test--check
      (concat label ": code action")
      (lambda ()
        (let* ((diagnostic (cl-find-if (lambda (d) (= (flymake-diagnostic-beg d) target)) diagnostics))
               (actions (progn
                          (airshift-test--expect diagnostic "no diagnostic starts at the operator name")
                          ;; eglot sends back the LSP diagnostics in this region as it received them.
                          (eglot-code-actions (flymake-diagnostic-beg diagnostic) (flymake-diagnostic-end diagnostic))))
               (quick-fixes (cl-remove-if-not (lambda (a) (equal (plist-get a :kind) "quickfix")) actions)))
          (airshift-test--expect quick-fixes "no quickfix action")
          ;; eglot decodes JSON false as :json-false, which is not nil.
          (setq action (if (eq (alist-get 'fix_preferred dag) t)
                           (cl-find-if (lambda (a) (eq (plist-get a :isPreferred) t)) quick-fixes)
                         (car quick-fixes)))
          (airshift-test--expect action "no quickfix action with isPreferred true")
          (airshift-test--expect (eq (eq (plist-get action :isPreferred) t) (eq (alist-get 'fix_preferred dag) t))
                                 "isPreferred is %S" (plist-get action :isPreferred))
          (unless (plist-get action :edit)
            (setq action (jsonrpc-request server :codeAction/resolve action)))
          (airshift-test--expect (plist-get action :edit) "the action has no edit, even after codeAction/resolve")
          (format "%S" (plist-get action :title)))))
     (airshift-test--check
      (concat label ": edit applied")
      (lambda ()
        (eglot--apply-workspace-edit (plist-get action :edit))
        (let ((text (buffer-substring-no-properties (point-min) (point-max))))
          (dolist (needle (alist-get 'after_contains dag))
            (airshift-test--expect (string-search needle text) "the buffer lacks %s" needle))
          (dolist (needle (alist-get 'after_absent dag))
            (airshift-test--expect (not (string-search needle text)) "the buffer still contains %s" needle))
          (when (eq (alist-get 'same_as_cli_fix dag) t)
            (let ((expected (airshift-test--file-text
                             (expand-file-name (format "../expected/%s/dags/%s" (alist-get 'name dag) label)
                                               airshift-test-work))))
              (airshift-test--expect (equal text expected)
                                     "the buffer differs from the output of `airshift fix' on the same file")))
          (format "contains %d expected lines%s" (length (alist-get 'after_contains dag))
                  (if (eq (alist-get 'same_as_cli_fix dag) t) ", equals `airshift fix' output" "")))))
     (airshift-test--check
      (concat label ": diagnostics after the edit")
      (lambda ()
        ;; Send the change now instead of after eglot's idle timer.
        (eglot--signal-textDocument/didChange)
        (let ((version eglot--versioned-identifier)
              (after (alist-get 'diagnostics_after dag)))
          (airshift-test--wait (lambda ()
                                 (flymake-start)
                                 (and (>= (gethash file airshift-test-published -1) version)
                                      (= (length (flymake-diagnostics)) after))))
          (let ((left (airshift-test--diagnostics 0)))
            (airshift-test--expect (>= (gethash file airshift-test-published -1) version)
                                   "no publish for version %d; the last was for %s"
                                   version (gethash file airshift-test-published))
            (airshift-test--expect (= (length left) after) "%d diagnostics, expected %d" (length left) after)
            (format "%d left%s, version %d" (length left)
                    (if left (concat " at " (airshift-test--expect-ranges left "KubernetesPodOperator" "AS101")) "")
                    version))))))))

(defun airshift-test--custom-mapping ()
  (let* ((custom (alist-get 'custom airshift-test-fixtures))
         (label (file-name-nondirectory (alist-get 'source custom)))
         (project (expand-file-name (alist-get 'name custom) airshift-test-work))
         (count (alist-get 'diagnostics_with_mappings custom)))
    (airshift-test--check
     (concat label ": mappings from airshift-mappings")
     (lambda ()
       (find-file (expand-file-name (concat "dags/" label) project))
       (airshift-test--start-server project)
       (let ((diagnostics (airshift-test--diagnostics count)))
         (airshift-test--expect (= (length diagnostics) count) "%d diagnostics, expected %d" (length diagnostics) count)
         (format "%d %s at %s, with airshift-mappings %S" count (alist-get 'code custom)
                 (airshift-test--expect-ranges diagnostics (alist-get 'operator custom) (alist-get 'code custom))
                 airshift-mappings))))))

(defun airshift-test--main ()
  (setq eglot-sync-connect t
        eglot-connect-timeout 30
        eglot-events-buffer-size 0
        flymake-no-changes-timeout nil
        airshift-mappings (list (expand-file-name (alist-get 'mappings (alist-get 'custom airshift-test-fixtures))
                                                  airshift-test-repo)))
  (dolist (dag (alist-get 'dags airshift-test-fixtures))
    (airshift-test--dag dag))
  (airshift-test--custom-mapping)
  (if (cl-every (lambda (c) (equal (alist-get 'status c) "ok")) airshift-test-checks) 0 1))

(let ((code (condition-case err
                (airshift-test--main)
              (error
               (setq airshift-test-error (format "%S" err))
               2))))
  (airshift-test--write)
  ;; eglot sends shutdown and exit, then deletes the server process.
  (ignore-errors (eglot-shutdown-all))
  (kill-emacs code))

;;; test.el ends here

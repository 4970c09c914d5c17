package analysis

import (
	"fmt"
	"path"
	"strings"
)

// processFunctions maps the module and name of a function that starts a
// process to how it takes the command: "argv" for one argv list or shell
// string argument, "args" for the program and its arguments as separate
// positional arguments.
var processFunctions = map[[2]string]string{
	{"subprocess", "run"}:                             "argv",
	{"subprocess", "call"}:                            "argv",
	{"subprocess", "check_call"}:                      "argv",
	{"subprocess", "check_output"}:                    "argv",
	{"subprocess", "Popen"}:                           "argv",
	{"os", "system"}:                                  "argv",
	{"os", "popen"}:                                   "argv",
	{"asyncio", "create_subprocess_shell"}:            "argv",
	{"asyncio", "create_subprocess_exec"}:             "args",
	{"asyncio.subprocess", "create_subprocess_exec"}:  "args",
	{"asyncio.subprocess", "create_subprocess_shell"}: "argv",
}

// containerCLIs are the command-line tools whose "run" subcommand starts a
// container from an image: "kubectl run" starts it in a new pod.
var containerCLIs = map[string]bool{"docker": true, "podman": true, "nerdctl": true, "kubectl": true}

// checkDockerRun reports CLIENT.containers.run(...) when CLIENT is a Docker
// SDK client.
func (a *antiPatternFinder) checkDockerRun(method, containers *Node, sc *scope, within *prefectFunction) {
	attr := containers.ChildByFieldName("attribute")
	client := containers.ChildByFieldName("object")
	if attr == nil || client == nil || text(attr, a.f.Src) != "containers" {
		return
	}
	origin := a.dockerClient(client, sc, 0)
	if origin == nil {
		return
	}
	a.report(Finding{
		Rule: ContainerRunRule, Start: int(method.StartByte()), End: int(method.EndByte()),
		Message:     fmt.Sprintf("Docker SDK containers.run() called inside %s: %s", within, containerRunAdvice),
		Related:     []Related{{Start: int(origin.StartByte()), End: int(origin.EndByte()), Message: "the Docker client"}},
		NoFixReason: containerRunNoFix,
	})
}

const (
	containerRunAdvice = "give the flow the image through the work pool's image job variable and run the container's command in the flow instead of starting a container"
	containerRunNoFix  = "Airshift does not rewrite code inside Prefect flows and tasks, so set the image on the deployment and move the container's command into the flow by hand"
)

// dockerClient returns the callee name node of the docker.from_env() or
// docker.DockerClient(...) call that expr evaluates to, directly or through
// a variable, or nil.
func (a *antiPatternFinder) dockerClient(expr *Node, sc *scope, depth int) *Node {
	switch expr.Type() {
	case "call":
		fn := expr.ChildByFieldName("function")
		if fn == nil {
			return nil
		}
		module, name, b, nameNode := a.f.resolveClass(fn, sc)
		if b == nil || (name != "from_env" && name != "DockerClient") {
			return nil
		}
		if module == "docker" || strings.HasPrefix(module, "docker.") {
			return nameNode
		}
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.dockerClient(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value, valueScope := a.assignedValue(expr, sc, depth); value != nil {
			return a.dockerClient(value, valueScope, depth+1)
		}
	}
	return nil
}

// checkProcess reports a subprocess, os or asyncio call whose command runs
// a container image with "docker run", "podman run" or "kubectl run".
func (a *antiPatternFinder) checkProcess(call, fn *Node, sc *scope, within *prefectFunction) {
	module, name, b, nameNode := a.f.resolveClass(fn, sc)
	if b == nil {
		return
	}
	form := processFunctions[[2]string{module, name}]
	args := call.ChildByFieldName("arguments")
	if form == "" || args == nil || args.Type() != "argument_list" {
		return
	}

	command, words := a.processCommand(form, args, sc)
	run := containerRun(words)
	if run == "" {
		return
	}

	a.report(Finding{
		Rule: ContainerRunRule, Start: int(nameNode.StartByte()), End: int(nameNode.EndByte()),
		Message:     fmt.Sprintf("%s.%s() runs %q inside %s: %s", module, name, run, within, containerRunAdvice),
		Related:     []Related{{Start: int(command.StartByte()), End: int(command.EndByte()), Message: "the " + run + " command"}},
		NoFixReason: containerRunNoFix,
	})
}

// processCommand returns the argument node that starts the command of a
// process call and the command's leading literal words. form is the
// function's entry in processFunctions.
func (a *antiPatternFinder) processCommand(form string, args *Node, sc *scope) (*Node, []string) {
	positional, keywords := argumentNodes(args, a.f.Src)
	if form == "args" {
		// create_subprocess_exec(program, *args): one word per argument.
		if len(positional) == 0 {
			return nil, nil
		}
		var words []string
		for _, arg := range positional {
			word, complete := a.literalWords(arg, sc, 0)
			if !complete || len(word) != 1 {
				break
			}
			words = append(words, word[0])
		}
		return positional[0], words
	}

	command := keywords["args"]
	if len(positional) > 0 {
		command = positional[0]
	}
	for _, key := range []string{"cmd", "command"} {
		if command == nil {
			command = keywords[key]
		}
	}
	if command == nil {
		return nil, nil
	}
	words, _ := a.literalWords(command, sc, 0)
	return command, words
}

// argumentNodes splits an argument list into positional argument nodes and
// keyword argument values by name.
func argumentNodes(args *Node, src []byte) ([]*Node, map[string]*Node) {
	var positional []*Node
	keywords := map[string]*Node{}
	for i := 0; i < int(args.NamedChildCount()); i++ {
		c := args.NamedChild(i)
		switch c.Type() {
		case "keyword_argument":
			name, value := c.ChildByFieldName("name"), c.ChildByFieldName("value")
			if name != nil && value != nil {
				keywords[text(name, src)] = value
			}
		case "comment", "list_splat", "dictionary_splat":
		default:
			positional = append(positional, c)
		}
	}
	return positional, keywords
}

// containerRun returns the subcommand that words run, such as "docker run",
// when they start a container: an optional sudo, a container CLI (by base
// name, so "/usr/bin/docker" counts), options, then "run" or
// "container run". It returns "" otherwise.
func containerRun(words []string) string {
	if len(words) > 0 && words[0] == "sudo" {
		words = words[1:]
	}
	if len(words) == 0 || !containerCLIs[path.Base(words[0])] {
		return ""
	}
	program := path.Base(words[0])
	// NOTE: an option that takes a separate value, as in "docker -H HOST
	// run", hides the subcommand, so such commands are not reported.
	rest := words[1:]
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
		rest = rest[1:]
	}
	switch {
	case len(rest) > 0 && rest[0] == "run":
		return program + " run"
	case len(rest) > 1 && rest[0] == "container" && rest[1] == "run" && program != "kubectl":
		return program + " container run"
	}
	return ""
}

// literalWords returns the leading words of a command that are known
// statically: the literal items of an argv list or tuple, or the words of a
// shell string up to its first interpolation or placeholder. It follows
// variables, shlex.split(S), S.split(), S.format(...), S % values and +
// concatenation. complete is false when later words exist that are not
// known.
func (a *antiPatternFinder) literalWords(expr *Node, sc *scope, depth int) (words []string, complete bool) {
	switch expr.Type() {
	case "string", "concatenated_string":
		prefix, whole := stringPrefix(expr, a.f.Src)
		return splitShellWords(prefix, whole), whole
	case "list", "tuple":
		for i := 0; i < int(expr.NamedChildCount()); i++ {
			item := expr.NamedChild(i)
			if item.Type() == "comment" {
				continue
			}
			if item.Type() != "string" && item.Type() != "concatenated_string" {
				return words, false
			}
			s, whole := stringPrefix(item, a.f.Src)
			if !whole {
				return words, false
			}
			words = append(words, s)
		}
		return words, true
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.literalWords(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value, valueScope := a.assignedValue(expr, sc, depth); value != nil {
			return a.literalWords(value, valueScope, depth+1)
		}
	case "binary_operator":
		left, right, op := expr.ChildByFieldName("left"), expr.ChildByFieldName("right"), expr.ChildByFieldName("operator")
		if left == nil || right == nil || op == nil {
			return nil, false
		}
		if text(op, a.f.Src) == "%" && isStringNode(left) {
			// "docker run %s" % image: the text before the first placeholder.
			leftText, _ := stringPrefix(left, a.f.Src)
			return splitShellWords(placeholderPrefix(leftText, '%'), false), false
		}
		if text(op, a.f.Src) != "+" {
			return nil, false
		}
		if isStringNode(left) && isStringNode(right) {
			// Concatenated strings join inside a word: "docker r" + "un".
			leftText, leftWhole := stringPrefix(left, a.f.Src)
			if !leftWhole {
				return splitShellWords(leftText, false), false
			}
			rightText, rightWhole := stringPrefix(right, a.f.Src)
			return splitShellWords(leftText+rightText, rightWhole), rightWhole
		}
		words, complete = a.literalWords(left, sc, depth)
		if !complete || isStringNode(left) {
			// A string followed by a variable may continue its last word.
			return words, false
		}
		more, complete := a.literalWords(right, sc, depth)
		return append(words, more...), complete
	case "call":
		return a.splitCallWords(expr, sc, depth)
	}
	return nil, false
}

// splitCallWords returns the leading words of shlex.split(S), S.split() and
// S.format(...).
func (a *antiPatternFinder) splitCallWords(call *Node, sc *scope, depth int) ([]string, bool) {
	fn, args := call.ChildByFieldName("function"), call.ChildByFieldName("arguments")
	if fn == nil || args == nil || args.Type() != "argument_list" {
		return nil, false
	}
	positional, _ := argumentNodes(args, a.f.Src)
	if module, name, b, _ := a.f.resolveClass(fn, sc); b != nil && module == "shlex" && name == "split" && len(positional) > 0 {
		return a.literalWords(positional[0], sc, depth)
	}
	if fn.Type() != "attribute" {
		return nil, false
	}
	attr, object := fn.ChildByFieldName("attribute"), fn.ChildByFieldName("object")
	if attr == nil || object == nil {
		return nil, false
	}
	switch text(attr, a.f.Src) {
	case "split":
		if len(positional) == 0 {
			return a.literalWords(object, sc, depth)
		}
	case "format":
		// "docker run {}".format(image): the text before the first placeholder.
		if isStringNode(object) {
			prefix, _ := stringPrefix(object, a.f.Src)
			return splitShellWords(placeholderPrefix(prefix, '{'), false), false
		}
	}
	return nil, false
}

// placeholderPrefix returns s up to its first format placeholder, which
// starts with mark ('{' for str.format, '%' for the % operator). A doubled
// mark, or a doubled '}' in str.format text, stands for the character
// itself.
func placeholderPrefix(s string, mark byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		doubled := i+1 < len(s) && s[i+1] == s[i]
		switch {
		case s[i] == mark && !doubled:
			return b.String()
		case (s[i] == mark || mark == '{' && s[i] == '}') && doubled:
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isStringNode(n *Node) bool {
	return n.Type() == "string" || n.Type() == "concatenated_string"
}

// splitShellWords splits a shell command prefix into words. Unless whole is
// set, the text stops at an unknown value, and a last word not followed by
// a space may continue there, so it is dropped.
func splitShellWords(prefix string, whole bool) []string {
	words := strings.Fields(prefix)
	if !whole && len(words) > 0 && !strings.HasSuffix(prefix, " ") && !strings.HasSuffix(prefix, "\t") {
		words = words[:len(words)-1]
	}
	return words
}

// stringPrefix returns the text of a string literal up to its first
// interpolation, and whether that is the whole string. Bytes literals count,
// because subprocess accepts them.
func stringPrefix(n *Node, src []byte) (string, bool) {
	if n.Type() == "concatenated_string" {
		var b strings.Builder
		for i := 0; i < int(n.NamedChildCount()); i++ {
			c := n.NamedChild(i)
			if c.Type() == "comment" {
				continue
			}
			s, whole := stringPrefix(c, src)
			b.WriteString(s)
			if !whole {
				return b.String(), false
			}
		}
		return b.String(), true
	}
	raw := false
	var b strings.Builder
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		switch c.Type() {
		case "string_start":
			raw = strings.ContainsAny(strings.TrimRight(text(c, src), `'"`), "rR")
		case "string_content":
			if raw {
				b.WriteString(text(c, src))
			} else {
				b.WriteString(unescape(text(c, src)))
			}
		case "escape_sequence":
			b.WriteString(unescape(text(c, src)))
		case "interpolation", "format_expression":
			return b.String(), false
		}
	}
	return b.String(), true
}

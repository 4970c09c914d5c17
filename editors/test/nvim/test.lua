-- Headless Neovim test of Airshift through the editors/nvim setup, written
-- for the API of Neovim 0.7 (Debian 12's neovim package).
--   nvim --headless --clean -i NONE -u editors/test/nvim/test.lua
-- Environment: AIRSHIFT_REPO, AIRSHIFT_WORK (the projects prepare.js made),
-- AIRSHIFT_RESULT (the results file), and bin/airshift first on PATH.
-- Exit status: 0 when every check passed, 1 when one failed, 2 when the
-- script itself raised an error.
local uv = vim.loop

local repo = assert(os.getenv('AIRSHIFT_REPO'), 'AIRSHIFT_REPO is not set')
local work = assert(os.getenv('AIRSHIFT_WORK'), 'AIRSHIFT_WORK is not set')
local result_path = assert(os.getenv('AIRSHIFT_RESULT'), 'AIRSHIFT_RESULT is not set')
local fixtures = vim.fn.json_decode(table.concat(vim.fn.readfile(repo .. '/editors/test/fixtures.json'), '\n'))

local wait_limit_ms = 10000
-- How long Neovim 0.7 itself waits for servers to end when it quits.
local exit_limit_ms = 2000

local version = vim.version()
local results = {
  client = 'Neovim',
  version = string.format('%d.%d.%d, %s', version.major, version.minor, version.patch, jit and jit.version or _VERSION),
  checks = {},
}

local function write_results()
  local file = assert(io.open(result_path, 'w'))
  file:write(vim.fn.json_encode(results))
  file:close()
end

local function now_ms()
  return uv.hrtime() / 1e6
end

-- Raises message, without a source position, unless condition holds.
local function expect(condition, message)
  if not condition then
    error(message, 0)
  end
end

-- Runs body as one check and records its status, the detail it returns (or
-- the error it raised) and its time. Returns true when it passed.
local function check(name, body)
  local start = now_ms()
  local ok, detail = xpcall(body, function(err)
    if type(err) == 'string' and err:find('\n') == nil and not err:find('^[^:]+%.lua:%d+:') then
      return err
    end
    return debug.traceback(tostring(err), 2)
  end)
  table.insert(results.checks, {
    name = name,
    status = ok and 'ok' or 'failed',
    detail = tostring(detail or ''),
    ms = math.floor((now_ms() - start) * 10 + 0.5) / 10,
  })
  write_results()
  return ok
end

-- Every publishDiagnostics by URI, and the error messages the server showed.
local publishes = {}
local error_messages = {}

local default_publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result then
    publishes[result.uri] = { version = result.version, count = #result.diagnostics }
  end
  return default_publish(err, result, ctx, config)
end
vim.lsp.handlers['window/showMessage'] = function(_, result)
  if result and result.type == vim.lsp.protocol.MessageType.Error then
    table.insert(error_messages, result.message)
  end
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
end

local function read_file(path)
  local file = assert(io.open(path, 'rb'))
  local text = file:read('*a')
  file:close()
  return text
end

local function basename(path)
  return vim.fn.fnamemodify(path, ':t')
end

-- Returns the airshift client attached to bufnr once it is initialized.
local function wait_for_client(bufnr)
  local found
  vim.wait(wait_limit_ms, function()
    for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
      if client.name == 'airshift' and client.initialized then
        found = client
        return true
      end
    end
    return false
  end, 10)
  return found
end

local function diagnostic_code(diagnostic)
  return diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp and diagnostic.user_data.lsp.code)
end

-- Checks that each diagnostic's range, in the byte columns Neovim converted
-- it to, covers exactly `name` in the buffer.
local function expect_ranges_cover(bufnr, diagnostics, name)
  local positions = {}
  for _, diagnostic in ipairs(diagnostics) do
    local line = vim.api.nvim_buf_get_lines(bufnr, diagnostic.lnum, diagnostic.lnum + 1, false)[1] or ''
    local covered = line:sub(diagnostic.col + 1, diagnostic.end_col)
    expect(diagnostic.end_lnum == diagnostic.lnum and covered == name, string.format(
      'diagnostic at %d:%d covers "%s", expected %s', diagnostic.lnum + 1, diagnostic.col + 1, covered, name))
    table.insert(positions, string.format('%d:%d', diagnostic.lnum + 1, diagnostic.col + 1))
  end
  return table.concat(positions, ', ')
end

local function request(bufnr, client, method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, wait_limit_ms)
  expect(responses, string.format('%s failed: %s', method, tostring(err)))
  local response = responses[client.id]
  expect(response, method .. ' returned no response from airshift')
  expect(response.err == nil, method .. ' returned an error: ' .. vim.inspect(response.err))
  return response.result
end

local function check_static_configs(airshift)
  check('lsp/airshift.lua (Neovim 0.11 form)', function()
    local config = dofile(repo .. '/editors/nvim/lsp/airshift.lua')
    expect(vim.deep_equal(config.cmd, { 'airshift', 'serve' }), 'cmd is ' .. vim.inspect(config.cmd))
    expect(vim.deep_equal(config.filetypes, { 'python' }), 'filetypes are ' .. vim.inspect(config.filetypes))
    expect(vim.deep_equal(config.root_markers, airshift.root_markers), 'root_markers are ' .. vim.inspect(config.root_markers))
    expect(vim.deep_equal(config.settings, airshift.defaults.settings), 'settings are ' .. vim.inspect(config.settings))
    return 'cmd, filetypes, root_markers and settings; loaded only, since vim.lsp.config needs Neovim 0.11'
  end)

  check('lspconfig configs form', function()
    -- nvim-lspconfig is not installed here, so a stand-in for its util
    -- module records the root patterns.
    local patterns
    package.loaded['lspconfig.util'] = {
      root_pattern = function(...)
        patterns = { ... }
        return function() end
      end,
    }
    local config = dofile(repo .. '/editors/nvim/lua/lspconfig/configs/airshift.lua')
    package.loaded['lspconfig.util'] = nil
    local default = config.default_config
    expect(vim.deep_equal(default.cmd, { 'airshift', 'serve' }), 'cmd is ' .. vim.inspect(default.cmd))
    expect(vim.deep_equal(default.filetypes, { 'python' }), 'filetypes are ' .. vim.inspect(default.filetypes))
    expect(vim.deep_equal(patterns, airshift.root_markers), 'root_pattern got ' .. vim.inspect(patterns))
    expect(vim.deep_equal(default.settings, airshift.defaults.settings), 'settings are ' .. vim.inspect(default.settings))
    return 'default_config cmd, filetypes, root_pattern and settings; loaded with a stand-in lspconfig.util'
  end)

  check('root detection', function()
    local base = vim.fn.tempname()
    local cases = {
      { marker = 'pyproject.toml', kind = 'file', file = 'proj/pkg/sub/job.py', root = 'proj' },
      { marker = 'airflow.cfg', kind = 'file', file = 'proj/dags/job.py', root = 'proj' },
      { marker = 'dags', kind = 'dir', file = 'proj/dags/job.py', root = 'proj' },
      { marker = '.git', kind = 'dir', file = 'proj/a/b/job.py', root = 'proj' },
      { marker = nil, file = 'proj/lone/job.py', root = 'proj/lone' },
    }
    for index, case in ipairs(cases) do
      local dir = string.format('%s/%d', base, index)
      vim.fn.mkdir(vim.fn.fnamemodify(dir .. '/' .. case.file, ':h'), 'p')
      if case.marker and case.kind == 'dir' then
        vim.fn.mkdir(dir .. '/proj/' .. case.marker, 'p')
      elseif case.marker then
        vim.fn.writefile({}, dir .. '/proj/' .. case.marker)
      end
      local found = airshift.find_root(dir .. '/' .. case.file)
      expect(found == dir .. '/' .. case.root, string.format('with %s: root %s, expected %s',
        case.marker or 'no marker', found, dir .. '/' .. case.root))
    end
    -- The nearest marker wins over one further up.
    local nested = base .. '/nested'
    vim.fn.mkdir(nested .. '/.git', 'p')
    vim.fn.mkdir(nested .. '/team/dags', 'p')
    vim.fn.writefile({}, nested .. '/team/pyproject.toml')
    local found = airshift.find_root(nested .. '/team/dags/job.py')
    expect(found == nested .. '/team', 'nested: root ' .. found .. ', expected ' .. nested .. '/team')
    vim.fn.delete(base, 'rf')
    return 'pyproject.toml, airflow.cfg, dags, .git, no marker, nearest marker first'
  end)
end

local function check_dag(dag)
  local label = basename(dag.source)
  local project = work .. '/' .. dag.name
  local file = project .. '/dags/' .. label
  local bufnr, client

  local started = check(label .. ': server starts', function()
    vim.cmd('edit ' .. vim.fn.fnameescape(file))
    bufnr = vim.api.nvim_get_current_buf()
    expect(vim.bo[bufnr].filetype == 'python', 'filetype is ' .. vim.bo[bufnr].filetype)
    client = wait_for_client(bufnr)
    expect(client, 'no initialized airshift client on the buffer within ' .. wait_limit_ms .. ' ms')
    expect(client.config.root_dir == project, string.format('root_dir %s, expected %s', client.config.root_dir, project))
    expect(client.offset_encoding == 'utf-16', 'offset_encoding is ' .. tostring(client.offset_encoding))
    return string.format('root %s, offset encoding %s', client.config.root_dir, client.offset_encoding)
  end)
  if not started then
    return
  end

  local have_diagnostics = check(label .. ': AS101 diagnostics', function()
    vim.wait(wait_limit_ms, function()
      return #vim.diagnostic.get(bufnr) >= dag.diagnostics
    end, 10)
    local diagnostics = vim.diagnostic.get(bufnr)
    expect(#diagnostics == dag.diagnostics, string.format('%d diagnostics, expected %d', #diagnostics, dag.diagnostics))
    for _, diagnostic in ipairs(diagnostics) do
      expect(diagnostic_code(diagnostic) == 'AS101', 'code ' .. tostring(diagnostic_code(diagnostic)) .. ', expected AS101')
      expect(diagnostic.source == 'airshift', 'source ' .. tostring(diagnostic.source) .. ', expected airshift')
    end
    return string.format('%d AS101 at %s (line:byte column)', #diagnostics,
      expect_ranges_cover(bufnr, diagnostics, 'KubernetesPodOperator'))
  end)
  if not have_diagnostics then
    return
  end

  -- The operator name of the call that the fixture targets.
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local line_index, byte_column
  for index, line in ipairs(lines) do
    local target = line:find(dag.target, 1, true)
    if target then
      line_index = index - 1
      byte_column = line:find('KubernetesPodOperator', target, true) - 1
      break
    end
  end
  assert(line_index, 'target not found in ' .. label .. ': ' .. dag.target)
  local _, utf16_column = vim.str_utfindex(lines[line_index + 1], byte_column)

  check(label .. ': hover', function()
    local hover = request(bufnr, client, 'textDocument/hover', {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      position = { line = line_index, character = utf16_column + 3 },
    })
    expect(hover and hover.contents, 'no hover')
    expect(hover.contents.kind == 'markdown', 'hover kind ' .. tostring(hover.contents.kind) .. ', expected markdown')
    for _, needle in ipairs(dag.hover_contains) do
      expect(hover.contents.value:find(needle, 1, true), 'hover lacks "' .. needle .. '"')
    end
    return string.format('markdown, %d bytes, contains "%s"', #hover.contents.value, table.concat(dag.hover_contains, '", "'))
  end)

  local action
  check(label .. ': code action', function()
    vim.api.nvim_win_set_cursor(0, { line_index + 1, byte_column })
    local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
    -- The diagnostics that vim.lsp.buf.code_action() sends in Neovim 0.7.
    -- Their columns are byte columns, not UTF-16 ones.
    local sent = vim.lsp.diagnostic.get_line_diagnostics(bufnr, line_index, nil, client.id)
    expect(#sent == 1, string.format('%d diagnostics on line %d, expected 1', #sent, line_index + 1))
    params.context = { diagnostics = sent }
    local actions = request(bufnr, client, 'textDocument/codeAction', params) or {}
    local quick_fixes = vim.tbl_filter(function(a) return a.kind == 'quickfix' end, actions)
    expect(#quick_fixes > 0, 'no quickfix action for the diagnostics Neovim sent')
    if dag.fix_preferred then
      action = vim.tbl_filter(function(a) return a.isPreferred == true end, quick_fixes)[1]
      expect(action, 'no quickfix action with isPreferred true')
    else
      action = quick_fixes[1]
      expect(action.isPreferred ~= true, 'the action is preferred, expected a fix that needs review')
    end
    if action.edit == nil then
      action = request(bufnr, client, 'codeAction/resolve', action)
    end
    expect(action.edit, 'the action has no edit, even after codeAction/resolve')
    return string.format('"%s"; Neovim sent character %d, the server published %d',
      action.title, sent[1].range.start.character, utf16_column)
  end)
  if not action then
    return
  end

  check(label .. ': edit applied', function()
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    local text = buffer_text(bufnr)
    for _, needle in ipairs(dag.after_contains) do
      expect(text:find(needle, 1, true), 'the buffer lacks ' .. needle)
    end
    for _, needle in ipairs(dag.after_absent) do
      expect(not text:find(needle, 1, true), 'the buffer still contains ' .. needle)
    end
    if dag.same_as_cli_fix then
      local expected = read_file(work .. '/../expected/' .. dag.name .. '/dags/' .. label)
      expect(text == expected, 'the buffer differs from the output of `airshift fix` on the same file')
    end
    return string.format('applied with offset encoding %s; contains %d expected lines%s', client.offset_encoding,
      #dag.after_contains, dag.same_as_cli_fix and ', equals `airshift fix` output' or '')
  end)

  check(label .. ': diagnostics after the edit', function()
    local uri = vim.uri_from_bufnr(bufnr)
    local edited_version = vim.lsp.util.buf_versions[bufnr]
    local settled = vim.wait(wait_limit_ms, function()
      local publish = publishes[uri]
      return publish ~= nil and publish.version ~= nil and publish.version >= edited_version
        and #vim.diagnostic.get(bufnr) == dag.diagnostics_after
    end, 10)
    local diagnostics = vim.diagnostic.get(bufnr)
    expect(settled, string.format('%d diagnostics, last publish for version %s, expected %d for version %d',
      #diagnostics, tostring(publishes[uri] and publishes[uri].version), dag.diagnostics_after, edited_version))
    local positions = expect_ranges_cover(bufnr, diagnostics, 'KubernetesPodOperator')
    return string.format('%d left%s, version %d', #diagnostics, positions ~= '' and (' at ' .. positions) or '', edited_version)
  end)
end

local function check_custom_mapping()
  local custom = fixtures.custom
  local label = basename(custom.source)
  check(label .. ': mappings from settings', function()
    vim.cmd('edit ' .. vim.fn.fnameescape(work .. '/' .. custom.name .. '/dags/' .. label))
    local bufnr = vim.api.nvim_get_current_buf()
    expect(wait_for_client(bufnr), 'no initialized airshift client on the buffer')
    vim.wait(wait_limit_ms, function()
      return #vim.diagnostic.get(bufnr) >= custom.diagnostics_with_mappings
    end, 10)
    local diagnostics = vim.diagnostic.get(bufnr)
    expect(#diagnostics == custom.diagnostics_with_mappings,
      string.format('%d diagnostics, expected %d', #diagnostics, custom.diagnostics_with_mappings))
    for _, diagnostic in ipairs(diagnostics) do
      expect(diagnostic_code(diagnostic) == custom.code, 'code ' .. tostring(diagnostic_code(diagnostic)))
    end
    local positions = expect_ranges_cover(bufnr, diagnostics, custom.operator)
    expect(#error_messages == 0, 'the server showed errors: ' .. table.concat(error_messages, '; '))
    return string.format('%d %s at %s, with settings.airshift.mappings = { "%s" }', #diagnostics, custom.code,
      positions, custom.mappings)
  end)
end

local function check_servers_exit()
  -- Neovim 0.7 keeps the server's stdin open after exit.
  check('servers exit after shutdown', function()
    local clients = vim.lsp.get_active_clients()
    local exits = {}
    for _, client in ipairs(clients) do
      local id = client.id
      local on_exit = client.config.on_exit
      client.config.on_exit = function(code, signal, client_id)
        exits[id] = { code = code, signal = signal }
        if on_exit then
          on_exit(code, signal, client_id)
        end
      end
    end
    local start = now_ms()
    vim.lsp.stop_client(clients)
    local all_exited = vim.wait(exit_limit_ms, function()
      return #vim.tbl_keys(exits) == #clients
    end, 10)
    expect(all_exited, string.format('%d of %d servers still running %d ms after exit', #clients - #vim.tbl_keys(exits),
      #clients, exit_limit_ms))
    for id, exit in pairs(exits) do
      expect(exit.code == 0, string.format('client %d: exit code %d, signal %d', id, exit.code, exit.signal))
    end
    return string.format('%d servers exited with code 0 in %d ms', #clients, now_ms() - start)
  end)
end

local function main()
  -- ftplugin/python.vim probes the python3 provider, which costs about 1.5 s.
  vim.g.loaded_python3_provider = 0
  -- Each fixture opens in a new buffer while the edited one stays unsaved.
  vim.o.hidden = true
  vim.opt.runtimepath:append(repo .. '/editors/nvim')
  local airshift = require('airshift')
  airshift.setup({
    settings = { airshift = { mappings = { repo .. '/' .. fixtures.custom.mappings } } },
  })
  vim.cmd('filetype on')

  check_static_configs(airshift)
  for _, dag in ipairs(fixtures.dags) do
    check_dag(dag)
  end
  check_custom_mapping()
  check_servers_exit()

  for _, item in ipairs(results.checks) do
    if item.status == 'failed' then
      return 1
    end
  end
  return 0
end

local ok, code = xpcall(main, debug.traceback)
if not ok then
  results.error = code
  pcall(write_results)
  code = 2
end
-- :cquit sets the exit status; :quit would always exit 0 in headless mode.
vim.cmd('cquit ' .. code)

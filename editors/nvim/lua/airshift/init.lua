-- Airshift for Neovim 0.7 and later without plugins: starts `airshift serve`
-- for Python buffers with vim.lsp.start_client, one server per root folder.
--
--   vim.opt.runtimepath:append('/path/to/airshift/editors/nvim')
--   require('airshift').setup({
--     settings = { airshift = { mappings = { 'mappings' }, workPool = 'etl-pool', unsafeFixes = false } },
--   })
local M = {}

M.root_markers = { 'pyproject.toml', 'airflow.cfg', 'dags', '.git' }

M.defaults = {
  cmd = { 'airshift', 'serve' },
  -- Sent with workspace/didChangeConfiguration right after initialize.
  -- Relative mapping paths start at the root folder. workPool and
  -- unsafeFixes are left unset, so that [tool.airshift] in pyproject.toml
  -- applies.
  settings = { airshift = { mappings = {} } },
}

-- Returns the nearest folder at or above path's folder that contains one of
-- the markers, else path's own folder.
function M.find_root(path, markers)
  markers = markers or M.root_markers
  local start = vim.fn.fnamemodify(path, ':p:h')
  local dir = start
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

-- Client ids by root folder, so that buffers under one root share a server.
local clients = {}

local function attach(bufnr, config)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local root = M.find_root(path, config.root_markers)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = 'airshift',
      cmd = config.cmd,
      root_dir = root,
      settings = config.settings,
      on_attach = config.on_attach,
      capabilities = config.capabilities,
      on_init = function(client)
        -- Neovim 0.7 sends no settings by itself. It only reads them to
        -- reply to workspace/configuration requests.
        client.notify('workspace/didChangeConfiguration', { settings = config.settings })
      end,
    })
    if id == nil then
      -- start_client has already reported why the command failed to start.
      return
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

-- Registers a FileType autocommand that attaches Python buffers to a server.
-- opts may set cmd, settings, root_markers, on_attach and capabilities.
function M.setup(opts)
  opts = opts or {}
  local config = vim.tbl_deep_extend('force', M.defaults, { root_markers = M.root_markers }, opts)
  -- tbl_deep_extend merges lists index by index, so these two lists are
  -- replaced whole instead.
  config.cmd = opts.cmd or M.defaults.cmd
  config.root_markers = opts.root_markers or M.root_markers
  local group = vim.api.nvim_create_augroup('airshift', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'python',
    callback = function(args)
      attach(args.buf, config)
    end,
  })
  -- Python buffers opened before setup ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'python' then
      attach(bufnr, config)
    end
  end
end

return M

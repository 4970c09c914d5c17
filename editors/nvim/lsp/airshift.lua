-- Airshift language server config for Neovim 0.11+, read by vim.lsp.config.
-- Put the folder that contains this lsp/ folder on 'runtimepath' (or copy
-- this file to ~/.config/nvim/lsp/airshift.lua), then call
-- vim.lsp.enable('airshift').
return {
  cmd = { 'airshift', 'serve' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'airflow.cfg', 'dags', '.git' },
  settings = {
    airshift = {
      -- Extra mapping documents or folders of them. Relative paths start at
      -- the root folder.
      mappings = {},
      -- Unset here, so that [tool.airshift] in pyproject.toml applies:
      --   workPool = 'kubernetes-pool',  -- the work pool named in rewrites
      --   unsafeFixes = true,            -- source.fixAll also applies rewrites that need review
    },
  },
}

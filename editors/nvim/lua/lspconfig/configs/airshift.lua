-- Airshift language server config in the nvim-lspconfig `configs` form, for
-- Neovim 0.8 to 0.10 with nvim-lspconfig. With the folder that contains this
-- lua/ folder on 'runtimepath', lspconfig versions that keep their configs
-- under lua/lspconfig/configs/ find it by name:
--   require('lspconfig').airshift.setup({})
-- Older versions need it registered first:
--   require('lspconfig.configs').airshift = require('lspconfig.configs.airshift')
local util = require('lspconfig.util')

return {
  default_config = {
    cmd = { 'airshift', 'serve' },
    filetypes = { 'python' },
    -- The nearest folder that contains any of these markers.
    root_dir = util.root_pattern('pyproject.toml', 'airflow.cfg', 'dags', '.git'),
    single_file_support = true,
    settings = {
      -- workPool and unsafeFixes are left unset, so that [tool.airshift]
      -- in pyproject.toml applies.
      airshift = { mappings = {} },
    },
  },
  docs = {
    description = [[
Airshift finds Apache Airflow KubernetesPodOperator calls in Python DAGs and
rewrites them into Prefect flows. Build it with `make build` and put
`bin/airshift` on PATH.

Settings, under `settings.airshift`: `mappings` (extra mapping documents or
folders), `workPool` (the Prefect work pool named in rewrites) and
`unsafeFixes` (source.fixAll also applies rewrites that need review).
]],
  },
}

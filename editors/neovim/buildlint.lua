-- buildlint's language server for Dockerfiles, compose/stack and bake files.
-- Put this file in ~/.config/nvim/plugin/ (or source it from init.lua).
-- Needs `buildlint` on PATH; works with Neovim 0.7 and later.
local config = {
  name = 'buildlint',
  cmd = { 'buildlint', 'lsp' },
}

local client_id = nil

local function attach(args)
  local name = vim.api.nvim_buf_get_name(args.buf)
  local ft = vim.bo[args.buf].filetype
  -- Dockerfiles, YAML files named as compose/stack files, bake files.
  local base = vim.fn.fnamemodify(name, ':t')
  local is_stack = ft:match('yaml')
    and (base:match('^compose') or base:match('^docker%-compose') or base:match('^docker%-stack'))
  local is_bake = base:match('^docker%-bake.*%.hcl$') or base:match('^docker%-bake.*%.json$')
  if ft ~= 'dockerfile' and not is_stack and not is_bake then
    return
  end
  config.root_dir = vim.fn.getcwd()
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = args.buf })
    return
  end
  -- Neovim 0.7: one client, attached to each buffer.
  if not client_id or vim.lsp.client_is_stopped(client_id) then
    client_id = vim.lsp.start_client(config)
  end
  vim.lsp.buf_attach_client(args.buf, client_id)
end

vim.api.nvim_create_autocmd('FileType', {
  pattern = { 'dockerfile', 'yaml', 'yaml.docker-compose', 'hcl', 'json' },
  callback = attach,
})

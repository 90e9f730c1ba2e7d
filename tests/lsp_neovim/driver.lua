-- Drives Neovim for tests/lsp_neovim.rs: opens LSP_FILE, waits for the
-- diagnostic LSP_CODE, applies the code action whose title starts with
-- LSP_ACTION on its line through the editor's own code-action flow, waits
-- for that diagnostic to go, and writes what the editor saw to LSP_OUT.
local out = os.getenv('LSP_OUT')
local file, code, action = os.getenv('LSP_FILE'), os.getenv('LSP_CODE'), os.getenv('LSP_ACTION')

local function diagnostics()
  local t = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local c = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(t, { code = c, lnum = d.lnum, col = d.col, severity = d.severity, message = d.message })
  end
  return t
end

local function find(c)
  for _, d in ipairs(diagnostics()) do
    if d.code == c then
      return d
    end
  end
end

local function write(name, value)
  local f = assert(io.open(out .. '/' .. name, 'w'))
  f:write(value)
  f:close()
end

local function text()
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n') .. '\n'
end

vim.cmd('edit ' .. file)
local seen = vim.wait(30000, function() return find(code) ~= nil end, 20)
write('before.json', vim.fn.json_encode(diagnostics()))
if not seen then
  vim.cmd('cquit 3')
end

local d = find(code)
vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
local function chosen(a)
  return a.title:sub(1, #action) == action
end
local original = text()
if vim.fn.has('nvim-0.8') == 1 then
  vim.lsp.buf.code_action({ filter = chosen, apply = true })
else
  -- Neovim 0.7 offers the actions through vim.ui.select.
  vim.ui.select = function(items, _, on_choice)
    for _, item in ipairs(items) do
      if chosen(item[2]) then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  vim.lsp.buf.code_action()
end
vim.wait(30000, function() return text() ~= original end, 20)
vim.wait(30000, function() return find(code) == nil end, 20)
write('after.json', vim.fn.json_encode(diagnostics()))
write('text', text())
vim.cmd('qa!')

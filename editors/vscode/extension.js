// Starts `buildlint lsp` for Dockerfiles, compose/stack and bake files. All the
// work is in the server; this only launches it.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('buildlint').get('path') || 'buildlint';
  client = new LanguageClient(
    'buildlint',
    'buildlint',
    { command, args: ['lsp'] },
    {
      documentSelector: [
        { scheme: 'file', language: 'dockerfile' },
        { scheme: 'file', language: 'dockercompose' },
        { scheme: 'file', pattern: '**/{compose,docker-compose,docker-stack}*.{yml,yaml}' },
        { scheme: 'file', language: 'dockerbake' },
        { scheme: 'file', pattern: '**/docker-bake*.{hcl,json}' },
      ],
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

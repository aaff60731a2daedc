// Starts `limit lsp` (the language server built into the `limit` binary)
// for every Limit file; highlighting comes from the TextMate grammar.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("limit").get("server.path") || "limit";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "limit",
    "Limit language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "limit" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

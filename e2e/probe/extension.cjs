// The harness probe: one command and an exported API the probe's mocha suite checks.
const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('rigProbe.hello', () => 'hello'));
  return { activatedAt: Date.now(), env: { GITHUB_API_URL: process.env.GITHUB_API_URL, GITHUB_TOKEN: process.env.GITHUB_TOKEN, ANTHROPIC_BASE_URL: process.env.ANTHROPIC_BASE_URL } };
};
exports.deactivate = () => {};

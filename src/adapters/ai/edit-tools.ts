// The tools a coding turn is given, per edit format, and how their calls reach the worktree.
// Whatever the provider, every call ends in WorktreeFiles, which confines it to the worktree.
import type { LogLevel } from '../../core/model';
import type { JsonSchema, ToolCall, ToolSpec } from './chat-model';
import { EDITOR_TOOL_NAME, LIST_FILES_TOOL_NAME, READ_FILE_TOOL_NAME, WRITE_FILE_TOOL_NAME, type EditFormat } from './prompts';
import { MAX_VIEW_CHARS, WHOLE_FILE_TOOLS, type EditorOutcome, type WholeFileTool, type WorktreeFiles } from './worktree-files';

/**
 * The text editor for providers without a built-in one: the same name and the same four commands
 * as Anthropic's text_editor tool, so WorktreeFiles runs both the same way.
 */
export const EDITOR_AS_FUNCTION = {
  name: EDITOR_TOOL_NAME,
  description: `View and edit files of the repository. Commands:
- view: show a file with line numbers (optionally only view_range [first, last], last -1 for the end), or list a directory ("." is the repository root).
- create: write a new file, or overwrite one, with file_text as its complete content.
- str_replace: replace old_str, which must occur exactly once in the file (whitespace and indentation included), with new_str.
- insert: insert insert_text after line insert_line (0 inserts before the first line).
Views longer than ${MAX_VIEW_CHARS} characters are clipped; use view_range for the rest.`,
  parameters: {
    type: 'object',
    properties: {
      command: { type: 'string', enum: ['view', 'create', 'str_replace', 'insert'] },
      path: { type: 'string', description: 'Path relative to the repository root, such as "src/index.ts".' },
      view_range: {
        type: 'array',
        items: { type: 'integer' },
        minItems: 2,
        maxItems: 2,
        description: 'view only: first and last line to show; -1 as last means the end of the file.',
      },
      file_text: { type: 'string', description: 'create only: the complete content of the file.' },
      old_str: { type: 'string', description: 'str_replace only: the exact text to replace.' },
      new_str: { type: 'string', description: 'str_replace only: the text to put in its place (empty deletes it).' },
      insert_line: { type: 'integer', description: 'insert only: the line after which to insert.' },
      insert_text: { type: 'string', description: 'insert only: the text to insert.' },
    },
    required: ['command', 'path'],
    additionalProperties: false,
  } satisfies JsonSchema,
};

const WHOLE_FILE_SPECS: ToolSpec[] = [
  {
    kind: 'function',
    name: LIST_FILES_TOOL_NAME,
    description: 'List the files and directories (two levels deep) under a directory of the repository.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Directory relative to the repository root; "." or omitted for the root.' } },
      additionalProperties: false,
    },
  },
  {
    kind: 'function',
    name: READ_FILE_TOOL_NAME,
    description: 'Return the complete content of a file of the repository, exactly as stored.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'File path relative to the repository root, such as "src/index.ts".' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    kind: 'function',
    name: WRITE_FILE_TOOL_NAME,
    description:
      'Create a file, or replace an existing one, with the given complete content. Everything not in content is lost: never leave out unchanged lines or put placeholders like "... rest unchanged".',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'File path relative to the repository root.' },
        content: { type: 'string', description: 'The complete new content of the file.' },
      },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
];

export interface EditToolset {
  specs: ToolSpec[];
  /** Runs one call; refusals, unknown tools and unreadable arguments come back as errors the model can act on. */
  run(call: ToolCall, files: WorktreeFiles): Promise<EditorOutcome>;
  /** How a call is named in the task log, and at which level when it succeeds. */
  describe(call: ToolCall): { text: string; level: LogLevel };
}

export function editToolset(format: EditFormat): EditToolset {
  const names = format === 'editor' ? [EDITOR_TOOL_NAME] : WHOLE_FILE_TOOLS;
  const unusable = (call: ToolCall): EditorOutcome | null => {
    if (!names.includes(call.name)) return { isError: true, text: `There is no tool named "${call.name}". Use ${names.join(', ')}.` };
    if (call.malformed) return { isError: true, text: `The arguments of ${call.name} could not be read: ${call.malformed}. Send them again as one JSON object.` };
    return null;
  };
  const field = (call: ToolCall, name: string) => String((call.input as Record<string, unknown> | undefined)?.[name]);

  if (format === 'editor') {
    return {
      specs: [{ kind: 'editor' }],
      run: async (call, files) => unusable(call) ?? files.execute(call.input),
      describe: (call) => ({
        text: `editor ${field(call, 'command')} ${field(call, 'path')}`,
        level: field(call, 'command') === 'view' ? 'debug' : 'info',
      }),
    };
  }
  return {
    specs: WHOLE_FILE_SPECS,
    run: async (call, files) => unusable(call) ?? files.executeWholeFile(call.name as WholeFileTool, call.input),
    describe: (call) => ({
      text: `${call.name} ${call.name === LIST_FILES_TOOL_NAME ? ((call.input as { path?: unknown } | undefined)?.path ?? '.') : field(call, 'path')}`,
      level: call.name === WRITE_FILE_TOOL_NAME ? 'info' : 'debug',
    }),
  };
}

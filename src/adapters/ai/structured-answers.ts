// The answers that come back as the arguments of a tool call: each is a zod schema, from which the
// tool's JSON Schema is made and against which the model's answer is checked, plus the checks a
// schema cannot express.
import { z } from 'zod';
import { AiError, type ProposalDraft, type ProposalInput, type ReviewVerdict } from '../../core/ports';
import type { JsonSchema } from './chat-model';
import { PLAN_TOOL_NAME, PROPOSAL_TOOL_NAME, REVIEW_TOOL_NAME } from './prompts';

export interface AnswerSpec<T> {
  name: string;
  description: string;
  schema: z.ZodType<T>;
}

export const planAnswer = {
  name: PLAN_TOOL_NAME,
  description: 'Submit the implementation plan for the issue.',
  schema: z.object({
    summary: z.string().trim().min(1).max(4000).describe('One paragraph: what will change and why it resolves the issue.'),
    steps: z.array(z.string().trim().min(1).max(1000)).min(1).max(30).describe('Ordered implementation steps.'),
    files: z.array(z.string().trim().min(1).max(500)).max(200).describe('Repository-relative paths expected to be created or changed.'),
  }),
} satisfies AnswerSpec<unknown>;

export const proposalAnswer = {
  name: PROPOSAL_TOOL_NAME,
  description: 'Submit a proposed change to the editable infrastructure files.',
  schema: z.object({
    summary: z.string().trim().min(1).max(2000).describe('One line: what the change does.'),
    reason: z.string().trim().min(1).max(4000).describe('What in the deploy log shows that this is the cause.'),
    files: z
      .array(
        z.object({
          path: z.string().min(1).describe('Path exactly as listed among the editable files.'),
          after: z.string().describe('The complete new content of the file.'),
        }),
      )
      .min(1)
      .max(50),
  }),
} satisfies AnswerSpec<unknown>;

export const reviewAnswer = {
  name: REVIEW_TOOL_NAME,
  description: 'Submit the review of the diff: approve it, or request changes with one comment per problem.',
  schema: z
    .object({
      verdict: z.enum(['approve', 'request_changes']).describe('approve unless something concrete must change before the commit.'),
      summary: z.string().trim().min(1).max(4000).describe('One paragraph: what the diff does and how well it resolves the issue.'),
      comments: z
        .array(
          z.object({
            path: z.string().trim().max(500).optional().describe('Repository-relative path the comment is about, when it is about one file.'),
            message: z.string().trim().min(1).max(4000).describe('What must change and why, precise enough to act on alone.'),
          }),
        )
        .max(50)
        .describe('Problems that must be fixed; empty when approving.'),
    })
    .refine((r) => r.verdict === 'approve' || r.comments.length > 0, {
      message: 'request_changes needs at least one comment saying what must change',
      path: ['comments'],
    }),
} satisfies AnswerSpec<unknown>;

/** Providers want a plain JSON Schema object; the $schema marker adds nothing to it. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return json;
}

/** A review as the engine takes it: comments without an empty path. */
export function normaliseReview(review: z.infer<typeof reviewAnswer.schema>): ReviewVerdict {
  return {
    verdict: review.verdict,
    summary: review.summary,
    comments: review.comments.map((c) => (c.path ? { path: c.path, message: c.message } : { message: c.message })),
  };
}

/** A proposal may only change the editable files it was shown, and must change something. */
export function confineProposal(draft: z.infer<typeof proposalAnswer.schema>, input: ProposalInput): ProposalDraft {
  const editable = new Map(input.editable.map((f) => [f.path, f]));
  const readonly = new Set(input.readonly.map((f) => f.path));
  const seen = new Set<string>();
  for (const file of draft.files) {
    if (readonly.has(file.path)) {
      throw new AiError(`the proposal changes ${file.path}, which is read-only infrastructure; the proposal was refused`, 'invalid_reply');
    }
    if (!editable.has(file.path)) {
      throw new AiError(
        `the proposal changes ${file.path}, which is not one of the editable infrastructure files (${[...editable.keys()].join(', ')}); the proposal was refused`,
        'invalid_reply',
      );
    }
    if (seen.has(file.path)) throw new AiError(`the proposal lists ${file.path} twice; the proposal was refused`, 'invalid_reply');
    seen.add(file.path);
  }
  const files = draft.files.filter((f) => f.after !== editable.get(f.path)!.before);
  if (files.length === 0) throw new AiError('the proposal leaves every file as it was; there is nothing to approve', 'invalid_reply');
  return { summary: draft.summary, reason: draft.reason, files };
}

// What `rig init` writes. Every line a user may need to change is explained where it stands, and
// each template loads as written once the environment variables it names are set.

export const TEMPLATE_NAMES = ['default', 'docker'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

const HEADER = `# rig.yaml: how Rig turns a GitHub issue into a tested pull request.
# Check this file with: rig validate -c rig.yaml
#
# \${NAME} anywhere below is read from the environment when Rig starts; a variable that is not set
# is an error. Write $\${NAME} for a literal \${NAME}, for example to let the shell expand it.
# Inside deploy and test commands these are filled in for each task instead:
#   \${BRANCH_NAME} \${COMMIT_SHA} \${ISSUE_ID} \${ISSUE_NUMBER} \${ISSUE_TITLE} \${REPO_OWNER} \${REPO_NAME}
# Durations are written like 90s, 5m or 24h.
`;

const SOURCE_AND_AI = `
project:
  name: my-app                    # shown in reports and the dashboard
  # language: typescript          # optional hint for the AI

source:
  platform: github                # the only platform supported
  repo: owner/repo                # the repository issues come from and pull requests go to
  base_branch: main               # branches are cut from, and pull requests target, this branch
  token: \${GITHUB_TOKEN}          # a token with repo scope

ai:
  provider: anthropic             # anthropic | openai | ollama | claude-code
  # model: claude-opus-4-6        # optional for anthropic and openai; required for ollama
  api_key: \${ANTHROPIC_API_KEY}   # use \${OPENAI_API_KEY} with openai; ollama needs none
  max_retry: 3                    # fix attempts after the first failed test run (0-20)
`;

const TESTS_AND_WORKFLOW = `
# Tests run after each deploy. A failure is shown to the AI, which fixes the code and tries again,
# up to ai.max_retry times.
test:
  - type: command                 # the only kind of test: a shell command, exit code 0 = pass
    name: unit-test               # names must be unique
    run: "make test"
    timeout: 5m
    # affected_paths: ["src/"]    # run only when the change touches these paths; always when absent
    # workdir: services/api       # relative to the task's worktree
    # env:
    #   CI: "true"

workflow:
  trigger:                        # what starts a task when Rig receives GitHub webhooks
    - event: issues.opened
      labels: ["rig"]             # only issues carrying this label
    - event: issues.labeled
      labels: ["rig"]
    # - event: issue_comment.created
    #   keyword: "[rig]"          # a comment containing this text starts a task
  steps: ["code", "deploy", "test", "report"]
  approval:
    before_deploy: false          # true: every deploy waits for a person to approve it
  branch: "rig/issue-\${ISSUE_NUMBER}"   # one branch per issue
  draft_pr: true                  # open the pull request as a draft

# Rules applied to the AI's change before it is committed. block fails the task, warn only logs.
policies:
  - name: file-change-limit
    rule: max_file_changes
    value: 20
    action: block
  - name: protect-secrets
    rule: blocked_paths           # comma-separated; a trailing / means a whole directory
    value: "*.env,.env*,secrets/"
    action: block
  - name: require-tests
    rule: require_tests           # at least one test entry above
    action: warn

notify:
  - type: comment                 # progress and results as comments on the issue
    on: ["all"]                   # deploy | test_fail | test_pass | pr_created | failed | awaiting_approval | all
  # - type: slack
  #   webhook: \${SLACK_WEBHOOK_URL}
  #   on: ["test_fail", "pr_created"]

# Only for "rig run", which receives GitHub webhooks:
# server:
#   port: 8080
#   secret: \${WEBHOOK_SECRET}     # the secret set on the GitHub webhook
`;

const CUSTOM_DEPLOY = `
# How a change is deployed before the tests run. Commands run in order inside the task's own git
# worktree. When the deploy fails the AI proposes a fix to the files listed in infra_files, and the
# fix waits for your approval.
deploy:
  method: custom                  # custom | docker-compose
  config:
    commands:
      - name: build
        run: "make build"
        timeout: 2m
        transport:
          type: local             # local, or ssh with host, port, user, key and known_hosts
  infra_files: ["deploy/*.yml", "Makefile"]   # what the AI may propose changes to
  infra_readonly: []              # what the AI may read but never change
  approval:
    timeout: 24h                  # how long a proposal waits for approval
  # rollback:                     # runs when the tests still fail after the last retry
  #   enabled: true
  #   method: custom
  #   config:
  #     commands:
  #       - name: rollback
  #         run: "make rollback"
`;

const COMPOSE_DEPLOY = `
# How a change is deployed before the tests run: docker compose builds and starts the services from
# the task's own git worktree. When that fails the AI proposes a fix to the files listed in
# infra_files, and the fix waits for your approval.
deploy:
  method: docker-compose
  config:
    file: docker-compose.yml      # relative to the repository root
    # env_file: .env              # the environment file docker compose reads
    # project_name: my-app        # the compose project name
    services: []                  # services to start; all of them when empty
    build: true                   # rebuild images from the changed code
    timeout: 10m
  infra_files: ["docker-compose*.yml", "Dockerfile", "docker/**"]
  infra_readonly: []
  approval:
    timeout: 24h                  # how long a proposal waits for approval
  # rollback:                     # runs when the tests still fail after the last retry
  #   enabled: true
  #   method: custom
  #   config:
  #     commands:
  #       - name: compose-down
  #         run: "docker compose down"
`;

const TEMPLATES: Record<TemplateName, string> = {
  default: HEADER + SOURCE_AND_AI + CUSTOM_DEPLOY + TESTS_AND_WORKFLOW,
  docker: HEADER + SOURCE_AND_AI + COMPOSE_DEPLOY + TESTS_AND_WORKFLOW,
};

export function initTemplate(name: TemplateName): string {
  return TEMPLATES[name];
}

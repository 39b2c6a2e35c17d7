import type { IssueRef, Task } from '../../core/model';
import type { Project } from '../contracts';
import { HttpError } from '../http/errors';

/** Task ids are `t<date>-<issue>-<hex>`; anything outside this shape never reaches a store path. */
const TASK_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ProjectTask {
  project: Project;
  task: Task;
}

/** The server's projects by name and by repository, and tasks looked up across all of them. */
export class ProjectRegistry {
  constructor(readonly projects: readonly Project[]) {
    const names = new Set<string>();
    for (const p of projects) {
      if (names.has(p.name)) throw new Error(`two projects are named "${p.name}"; project names must be unique`);
      names.add(p.name);
    }
  }

  byName(name: string): Project {
    const project = this.projects.find((p) => p.name === name);
    if (!project) throw new HttpError(404, `no project named "${name}"`);
    return project;
  }

  /** The project an issue belongs to; `name` picks one when several share the repository. */
  forIssue(ref: IssueRef, name?: string): Project {
    const sameRepo = (p: Project) => p.repo.owner.toLowerCase() === ref.owner.toLowerCase() && p.repo.repo.toLowerCase() === ref.repo.toLowerCase();
    if (name !== undefined) {
      const project = this.byName(name);
      if (!sameRepo(project)) throw new HttpError(400, `the issue is in ${ref.owner}/${ref.repo}, but project "${name}" is ${project.repo.owner}/${project.repo.repo}`);
      return project;
    }
    const matches = this.projects.filter(sameRepo);
    if (matches.length === 0) throw new HttpError(404, `no project handles ${ref.owner}/${ref.repo}`);
    if (matches.length > 1) throw new HttpError(400, `several projects handle ${ref.owner}/${ref.repo}; say which with "project"`);
    return matches[0]!;
  }

  /** Tasks of one project or of all, newest first. */
  async tasks(projectName?: string): Promise<ProjectTask[]> {
    const projects = projectName === undefined ? this.projects : [this.byName(projectName)];
    const lists = await Promise.all(projects.map(async (project) => (await project.engine.list()).map((task) => ({ project, task }))));
    return lists.flat().sort((a, b) => b.task.createdAt.localeCompare(a.task.createdAt) || b.task.id.localeCompare(a.task.id));
  }

  /** A task by its id or a prefix that names exactly one task across every project. */
  async findTask(idOrPrefix: string): Promise<ProjectTask> {
    if (!TASK_ID_RE.test(idOrPrefix)) throw new HttpError(400, 'invalid task id');
    const all = await this.tasks();
    const exact = all.filter((t) => t.task.id === idOrPrefix);
    if (exact.length === 1) return exact[0]!;
    const byPrefix = exact.length ? exact : all.filter((t) => t.task.id.startsWith(idOrPrefix));
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw new HttpError(409, `"${idOrPrefix}" matches ${byPrefix.length} tasks; give more of the id`);
    throw new HttpError(404, `no task "${idOrPrefix}"`);
  }
}

import { createLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { created } from '../../shared/http/responses';
import { CoursePath, CreateLiveClassBody } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'live-classes.create', path: CoursePath, body: CreateLiveClassBody }).handler(
  async ({ caller, path, body }) => created(await createLiveClass(caller, path.course_id, body)),
);

// TypeDoc plugin for tsdp's API reference: hides the SQL planner's internal plan types (everything declared
// in src/sql/plan.ts and src/sql/plan/), which tsdp/sql re-exports for tools but which are not a stable API.
import { Converter, ReflectionKind } from 'typedoc';

export const INTERNAL_SOURCES = [/(^|\/)src\/sql\/plan\.ts$/, /(^|\/)src\/sql\/plan\//];

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const reflection of Object.values(project.reflections)) {
      if (!reflection.kindOf(ReflectionKind.SomeExport)) continue;
      const file = reflection.sources?.[0]?.fullFileName ?? reflection.sources?.[0]?.fileName ?? '';
      if (INTERNAL_SOURCES.some((re) => re.test(file.replaceAll('\\', '/')))) project.removeReflection(reflection);
    }
  });
}

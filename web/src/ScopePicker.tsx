// The Create Token form's scope: Resource Type and Access Level from the deployment's catalogue, the
// scope they name, and, for a scope that names its resources, All Resources or Specific Resources.
import { chosenLevel, type FieldErrors, levelsOf, type ScopeChoice, withType } from './create-request';
import { describedBy, FieldError } from './FieldError';
import { Radio } from './Radio';
import type { AccessLevel, ResourceType } from './scopes';

interface ScopePickerProps {
  /** The form's id, under which the fields' ids are made. */
  formId: string;
  /** The catalogue's resource types, each with its access levels. */
  types: readonly ResourceType[];
  value: ScopeChoice;
  onChange: (next: ScopeChoice) => void;
  errors: FieldErrors;
}

export function ScopePicker({ formId: id, types, value, onChange, errors }: ScopePickerProps) {
  const chosen = chosenLevel(types, value);
  return (
    <>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-type`}>Resource Type</label>
          <select
            id={`${id}-type`}
            value={value.type}
            onChange={(event) => onChange(withType(types, value, event.target.value))}
          >
            {types.map((candidate) => (
              <option key={candidate.label} value={candidate.label}>
                {candidate.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-level`}>Access Level</label>
          <select
            id={`${id}-level`}
            value={chosen?.scope ?? ''}
            onChange={(event) => onChange({ ...value, level: event.target.value })}
            aria-invalid={errors.access ? true : undefined}
            aria-describedby={describedBy(id, 'access', errors.access)}
          >
            {levelsOf(types, value.type).map((candidate) => (
              <option key={candidate.scope} value={candidate.scope}>
                {candidate.label}
                {candidate.deprecatedBy ? ' (deprecated)' : ''}
              </option>
            ))}
          </select>
          <FieldError formId={id} field="access" message={errors.access} />
        </div>
      </div>
      {chosen && <ScopeHint level={chosen} />}
      {chosen?.takesResources && (
        <ResourcesPicker formId={id} level={chosen} value={value} onChange={onChange} errors={errors} />
      )}
    </>
  );
}

/** The scope the choice names, and what replaces it when it is deprecated. */
function ScopeHint({ level }: { level: AccessLevel }) {
  return (
    <p className="hint scope-hint">
      Scope <code>{level.scope}</code>
      {level.deprecatedBy && (
        <>
          {' '}
          is deprecated: {level.deprecatedBy.label} (<code>{level.deprecatedBy.scope}</code>) grants it too.
        </>
      )}
    </p>
  );
}

/** All Resources, or Specific Resources named comma-separated. */
function ResourcesPicker({
  formId: id,
  level,
  value,
  onChange,
  errors,
}: Omit<ScopePickerProps, 'types'> & { level: AccessLevel }) {
  return (
    <fieldset className="field">
      <legend>{value.type} this token reaches</legend>
      <div className="radios">
        <Radio
          name={`${id}-which`}
          checked={!value.specific}
          onChange={() => onChange({ ...value, specific: false })}
        >
          All Resources
        </Radio>
        <Radio
          name={`${id}-which`}
          checked={value.specific}
          onChange={() => onChange({ ...value, specific: true })}
        >
          Specific Resources
        </Radio>
      </div>
      {value.specific && (
        <>
          <label htmlFor={`${id}-resources`}>Resources</label>
          <input
            id={`${id}-resources`}
            type="text"
            value={value.resources}
            onChange={(event) => onChange({ ...value, resources: event.target.value })}
            aria-invalid={errors.resources ? true : undefined}
            aria-describedby={describedBy(id, 'resources', errors.resources, `${id}-resources-hint`)}
            placeholder={level.resourceKind ? 'cran, bioconductor' : undefined}
          />
          <p id={`${id}-resources-hint`} className="hint">
            Comma-separated names, up to 10.
          </p>
        </>
      )}
      <FieldError formId={id} field="resources" message={errors.resources} />
    </fieldset>
  );
}

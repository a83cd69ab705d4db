/** What was wrong with a posted form, above the form. */
export function FormErrors({ errors }: { errors: readonly string[] | undefined }) {
  return errors === undefined || errors.length === 0 ? null : (
    <ul class="alert" role="alert">
      {errors.map((error) => (
        <li>{error}</li>
      ))}
    </ul>
  );
}

/** The sign-in page: a token field in the dashboard's frame, without navigation or script. */
import { Layout } from "./layout.js";

export function loginPage(failed: boolean) {
  return (
    <Layout title="Sign in" htmx={false}>
      <section class="panel login">
        <h1>Sign in</h1>
        {failed ? (
          <p class="alert" role="alert">
            That token was not accepted.
          </p>
        ) : null}
        <form method="post" action="/login">
          <label for="token">Token</label>
          <input id="token" type="password" name="token" autocomplete="current-password" required autofocus />
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">
          A token from <code>KITT_AUTH_TOKEN</code>, <code>--auth-token</code> or <code>kitt web token create</code>.
        </p>
      </section>
    </Layout>
  );
}

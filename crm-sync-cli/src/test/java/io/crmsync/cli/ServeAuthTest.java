package io.crmsync.cli;

import static io.crmsync.cli.ServeFixture.AUDIENCE;
import static io.crmsync.cli.ServeFixture.HMAC_SECRET;
import static io.crmsync.cli.ServeFixture.ISSUER;
import static io.crmsync.cli.ServeFixture.WEBSITE_KEY;
import static io.crmsync.cli.ServeFixture.contact;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may call {@code /v1/}: every kind of bad credential gets the same 401, byte for byte, and nothing about the
 * credential reaches the log; good API keys and JWTs (HS256, RS256) get through, within the clock skew and no
 * further.
 */
class ServeAuthTest {
  static KeyPair rsa;
  static KeyPair otherRsa;
  static String publicPem;
  ServeFixture serve;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    rsa = g.generateKeyPair();
    otherRsa = g.generateKeyPair();
    publicPem = "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(rsa.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  @AfterEach
  void close() {
    if (serve != null) {
      serve.close();
    }
  }

  private JWTClaimsSet.Builder claims() {
    Instant now = serve.clock.now();
    return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("app-1")
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(10))));
  }

  private String token(JWSAlgorithm alg, JWSSigner signer, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
    JWTClaimsSet.Builder c = claims();
    edit.accept(c);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).build(), c.build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  private String hs256(Consumer<JWTClaimsSet.Builder> edit) throws Exception {
    return token(JWSAlgorithm.HS256, new MACSigner(HMAC_SECRET.getBytes(StandardCharsets.UTF_8)), edit);
  }

  private String rs256(KeyPair keys, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
    return token(JWSAlgorithm.RS256, new RSASSASigner(keys.getPrivate()), edit);
  }

  private ServeClient.Answer submitWith(String... headers) {
    return serve.client.post("/v1/changes", contact("ada@example.com"), headers);
  }

  private static String bearer(String credential) {
    return "Bearer " + credential;
  }

  /** Every answer is the one 401, with nothing in it that tells what was wrong. */
  private static void assertAllTheSame401(List<ServeClient.Answer> answers) {
    ServeClient.Answer first = answers.get(0);
    for (ServeClient.Answer a : answers) {
      assertThat(a.status()).as("%s", a).isEqualTo(401);
      assertThat(a.body()).isEqualTo(first.body());
      assertThat(a.header("WWW-Authenticate")).isEqualTo("Bearer");
      // the same headers too (but Connection: close, which follows from a body left unread, not from the credential)
      assertThat(headerNames(a)).isEqualTo(headerNames(first));
    }
    assertThat(first.json().at("/error/code").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(first.json().at("/error/message").asText()).isEqualTo("missing or invalid credentials");
  }

  private static java.util.Set<String> headerNames(ServeClient.Answer a) {
    java.util.Set<String> names = new java.util.TreeSet<>(a.response().headers().map().keySet());
    names.remove("connection");
    return names;
  }

  @Test
  void everyKindOfBadCredentialGetsTheSame401AndNothingOfItIsLogged() throws Exception {
    serve = new ServeFixture("jwtPublicKey", publicPem);
    String valid = hs256(c -> {});
    String[] parts = valid.split("\\.");
    String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
        claims().subject("admin").build().toString().getBytes(StandardCharsets.UTF_8));
    String tampered = parts[0] + "." + otherPayload + "." + parts[2];
    String unsigned = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
    // HS256 signed with the server's RSA public key as the secret: the classic algorithm confusion
    String confused = token(JWSAlgorithm.HS256, new MACSigner(publicPem.getBytes(StandardCharsets.US_ASCII)), c -> {});
    Instant now = serve.clock.now();

    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream err = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    List<ServeClient.Answer> answers = new ArrayList<>();
    try {
      answers.add(submitWith()); // no credentials
      answers.add(submitWith("X-Api-Key", "k-website-wrong-key-0000000000000000000000"));
      answers.add(submitWith("Authorization", bearer(WEBSITE_KEY + "x")));
      answers.add(submitWith("Authorization", bearer(WEBSITE_KEY.substring(0, WEBSITE_KEY.length() - 1))));
      answers.add(submitWith("Authorization", "Basic " + Base64.getEncoder().encodeToString(
          ("website:" + WEBSITE_KEY).getBytes(StandardCharsets.UTF_8))));
      answers.add(submitWith("Authorization", bearer("")));
      // two credentials at once: not guessed which one was meant
      answers.add(submitWith("Authorization", bearer(WEBSITE_KEY), "X-Api-Key", WEBSITE_KEY));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.expirationTime(Date.from(now.minusSeconds(61)))))));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.expirationTime(null)))));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.notBeforeTime(Date.from(now.plusSeconds(61)))))));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.issuer("https://evil.example.com/")))));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.issuer(null)))));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.audience("another-api")))));
      answers.add(submitWith("Authorization", bearer(hs256(c -> c.audience((String) null)))));
      answers.add(submitWith("Authorization", bearer(tampered)));
      answers.add(submitWith("Authorization", bearer(unsigned)));
      answers.add(submitWith("Authorization", bearer(confused)));
      answers.add(submitWith("Authorization", bearer(rs256(otherRsa, c -> {})))); // signed by another key
      answers.add(submitWith("Authorization", bearer(token(JWSAlgorithm.HS512,
          new MACSigner((HMAC_SECRET + HMAC_SECRET).getBytes(StandardCharsets.UTF_8)), c -> {}))));
      answers.add(submitWith("Authorization", bearer("not.a.jwt")));
      answers.add(serve.client.get("/v1/changes/r_0123", "X-Api-Key", "wrong-key-00000000000000"));
    } finally {
      System.setErr(err);
    }
    assertAllTheSame401(answers);
    String logged = log.toString(StandardCharsets.UTF_8);
    assertThat(logged).doesNotContain(WEBSITE_KEY.substring(10)).doesNotContain(parts[2]).doesNotContain(HMAC_SECRET)
        .doesNotContain("k-website-wrong-key");
    assertThat(serve.gateway.pending("fake").unfinished()).as("nothing was queued").isZero();
  }

  @Test
  void apiKeysAndJwtsThatAreValidGetThrough() throws Exception {
    serve = new ServeFixture("jwtPublicKey", publicPem);
    Instant now = serve.clock.now();
    assertThat(submitWith("Authorization", bearer(WEBSITE_KEY)).status()).isEqualTo(202);
    assertThat(submitWith("X-Api-Key", ServeFixture.SUPPORT_KEY).status()).isEqualTo(202);
    assertThat(submitWith("Authorization", bearer(hs256(c -> {})))).extracting(ServeClient.Answer::status).isEqualTo(202);
    assertThat(submitWith("Authorization", bearer(rs256(rsa, c -> {})))).extracting(ServeClient.Answer::status)
        .isEqualTo(202);
    // a token that expired 59 s ago, or is valid from 59 s on, is within the 60 s clock skew
    assertThat(submitWith("Authorization", bearer(hs256(c -> c.expirationTime(Date.from(now.minusSeconds(59)))))).status())
        .isEqualTo(202);
    assertThat(submitWith("Authorization", bearer(hs256(c -> c.notBeforeTime(Date.from(now.plusSeconds(59)))))).status())
        .isEqualTo(202);
    // an audience list that holds ours
    assertThat(submitWith("Authorization", bearer(hs256(c -> c.audience(List.of("other", AUDIENCE)))))
        .status()).isEqualTo(202);
    // the same token, once the clock has passed its expiry and the skew
    String token = hs256(c -> {});
    serve.clock.advance(Duration.ofMinutes(11));
    assertThat(submitWith("Authorization", bearer(token)).status()).isEqualTo(401);
  }

  @Test
  void aServerWithOnlyAnRsaKeyRefusesHs256TokensWhateverTheirSecret() throws Exception {
    serve = new ServeFixture("jwtHmacSecret", null, "jwtPublicKey", publicPem);
    String confused = token(JWSAlgorithm.HS256, new MACSigner(publicPem.getBytes(StandardCharsets.US_ASCII)), c -> {});
    String der = token(JWSAlgorithm.HS256, new MACSigner(rsa.getPublic().getEncoded()), c -> {});
    assertAllTheSame401(List.of(submitWith("Authorization", bearer(confused)),
        submitWith("Authorization", bearer(der)), submitWith("Authorization", bearer(hs256(c -> {})))));
    assertThat(submitWith("Authorization", bearer(rs256(rsa, c -> {}))).status()).isEqualTo(202);
  }

  @Test
  void healthAndTheDescriptionNeedNoCredentials() {
    serve = new ServeFixture();
    assertThat(serve.client.get("/healthz").json().get("status").asText()).isEqualTo("ok");
    assertThat(serve.client.get("/openapi.json").status()).isEqualTo(200);
  }
}

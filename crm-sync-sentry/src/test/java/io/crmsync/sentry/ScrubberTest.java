package io.crmsync.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScrubberTest {
  private final Scrubber scrubber = Scrubber.defaults();

  @Test
  void secretsGoWhateverTheirForm() {
    assertThat(scrubber.scrub("Authorization: Bearer abc.DEF-123_x")).isEqualTo("Authorization: Bearer [redacted]");
    assertThat(scrubber.scrub("{\"access_token\":\"00Dxx!AQ4AQ\",\"refresh_token\": \"5Aep8\"}"))
        .doesNotContain("00Dxx").doesNotContain("5Aep8");
    assertThat(scrubber.scrub("grant_type=password&username=u&password=hunter2&client_secret=s3cr3t"))
        .doesNotContain("hunter2").doesNotContain("s3cr3t");
    assertThat(scrubber.scrub("api_key=k-123 apikey: k-456 token=t-789")).doesNotContain("k-123", "k-456", "t-789");
    assertThat(scrubber.scrub("assertion eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"))
        .isEqualTo("assertion [redacted]");
    assertThat(Scrubber.builder().emails(false).phones(false).names(false).build().scrub("password=hunter2"))
        .as("secrets cannot be turned off").isEqualTo("password=[redacted]");
  }

  @Test
  void personalDataGoesAndWhatSaysWhatWentWrongStays() {
    assertThat(scrubber.scrub("INVALID_EMAIL: Email address ada@example.com is invalid"))
        .isEqualTo("INVALID_EMAIL: Email address [email] is invalid");
    assertThat(scrubber.scrub("field 'email' of 'Ada Lovelace' refused; field \"Last_Name\" is \"Byron\""))
        .isEqualTo("field 'email' of '[redacted]' refused; field \"Last_Name\" is \"[redacted]\"");
    assertThat(scrubber.scrub("firstName=Ada, \"last_name\": \"Byron\", phone: +1 (555) 010-9999"))
        .doesNotContain("Ada").doesNotContain("Byron").doesNotContain("010");
    assertThat(scrubber.scrub("call 555-010-9999 or +44 20 7946 0958")).isEqualTo("call [phone] or [phone]");
  }

  @Test
  void timesDurationsCountsAndIdsAreNotMistakenForPhoneNumbers() {
    String text = "the quota resets at 2026-01-02T05:00:00Z (PT14H); 12345678 records; request 4f1c-9a0b-77de-1234;"
        + " job app-to-hubspot-contact; Contact 003Dn000001AbCdEFG";
    assertThat(scrubber.scrub(text)).isEqualTo(text);
  }

  @Test
  void morePatternsCanBeAdded() {
    Scrubber s = Scrubber.builder().pattern("IBAN [A-Z]{2}\\d{2}[A-Z0-9 ]+", "IBAN [redacted]").build();
    assertThat(s.scrub("IBAN GB82 WEST 1234 5698 7654 32")).isEqualTo("IBAN [redacted]");
  }
}

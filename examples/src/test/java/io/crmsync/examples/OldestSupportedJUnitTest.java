package io.crmsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * This module's tests, the contract suites of crm-sync-tck among them, run on the oldest JUnit the TCK
 * supports, as a host application with its own JUnit would run them (the TCK declares JUnit as provided).
 */
class OldestSupportedJUnitTest {
  @Test
  void jupiterAndThePlatformAreTheOldestSupported() throws ClassNotFoundException {
    assertThat(version("org.junit.jupiter.api.Test")).isEqualTo("5.9.3");
    assertThat(version("org.junit.jupiter.engine.JupiterTestEngine")).isEqualTo("5.9.3");
    assertThat(version("org.junit.platform.engine.TestEngine")).isEqualTo("1.9.3");
    assertThat(version("org.junit.platform.launcher.Launcher")).as("the launcher surefire chose").isEqualTo("1.9.3");
  }

  private static String version(String className) throws ClassNotFoundException {
    return Class.forName(className).getPackage().getImplementationVersion();
  }
}

package io.crmsync.dynamics.internal;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An app registration's certificate credential: the X.509 certificate (whose SHA-256 thumbprint names the key in the
 * assertion's {@code x5t#S256} header) and its RSA private key. {@link #toString()} shows the thumbprint only.
 */
public final class Certificate {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

  private final X509Certificate certificate;
  private final PrivateKey privateKey;
  private final String thumbprint;

  private Certificate(X509Certificate certificate, PrivateKey privateKey) throws GeneralSecurityException {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.thumbprint = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
  }

  /**
   * Reads a PEM text holding an unencrypted PKCS#8 RSA private key ({@code BEGIN PRIVATE KEY}) and the certificate
   * ({@code BEGIN CERTIFICATE}), in any order, such as {@code openssl pkcs12 -in app.pfx -nodes} writes.
   *
   * @throws IllegalArgumentException if either is missing or unreadable; the message never holds key material
   */
  public static Certificate fromPem(String pem) {
    X509Certificate cert = null;
    PrivateKey key = null;
    if (pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new IllegalArgumentException("the private key is encrypted; export it unencrypted (openssl pkcs12 -in app.pfx -nodes)");
    }
    Matcher m = BLOCK.matcher(pem);
    try {
      while (m.find()) {
        byte[] der;
        try {
          der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("a PEM block (" + m.group(1) + ") is not valid base64");
        }
        switch (m.group(1)) {
          case "CERTIFICATE" -> {
            if (cert == null) {
              cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            }
          }
          case "PRIVATE KEY" -> key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
          case "RSA PRIVATE KEY" -> throw new IllegalArgumentException(
              "the private key is PKCS#1; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in key.pem)");
          default -> { }
        }
      }
      if (cert == null) {
        throw new IllegalArgumentException("no certificate found (expected -----BEGIN CERTIFICATE-----)");
      }
      if (key == null) {
        throw new IllegalArgumentException("no private key found (expected -----BEGIN PRIVATE KEY-----)");
      }
      return new Certificate(cert, key);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate or its RSA private key cannot be read: " + e.getClass().getSimpleName());
    }
  }

  PrivateKey privateKey() {
    return privateKey;
  }

  X509Certificate x509() {
    return certificate;
  }

  /** The base64url SHA-256 thumbprint of the certificate's DER encoding. */
  public String thumbprint() {
    return thumbprint;
  }

  @Override
  public String toString() {
    return "Certificate[x5t#S256=" + thumbprint + "]";
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}

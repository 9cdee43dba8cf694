package io.crmsync.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A data source whose next commit, or next statement matching a text, loses its answer: PostgreSQL
 * applies it, then the connection drops before the reply arrives, as when a server restarts or a network
 * link breaks at that moment. The caller sees the driver's connection failure (SQLState 08006) and cannot
 * tell from it whether the work was applied. It can also drop the connection just before a commit is
 * sent, so that the work is not applied.
 */
final class LostAnswerDataSource implements DataSource {
  /** A fault armed for the next matching call. */
  enum Fault {
    /** The commit is applied and its answer lost. */
    COMMIT_APPLIED_ANSWER_LOST,
    /** The connection drops before the commit is sent: nothing is applied. */
    COMMIT_NEVER_SENT,
    /** A statement (in auto-commit mode) is applied and its answer lost. */
    STATEMENT_APPLIED_ANSWER_LOST
  }

  private record Armed(Fault fault, @Nullable String sqlContains) {}

  private final DataSource delegate;
  private final AtomicReference<@Nullable Armed> armed = new AtomicReference<>();
  private volatile int fired;

  LostAnswerDataSource(DataSource delegate) {
    this.delegate = delegate;
  }

  /** Arms {@code fault} for the next commit (or, for a statement fault, the next statement containing {@code sql}). */
  void arm(Fault fault, @Nullable String sqlContains) {
    armed.set(new Armed(fault, sqlContains));
  }

  /** How many faults fired. */
  int fired() {
    return fired;
  }

  private static SQLException lost() {
    return new SQLException("An I/O error occurred while sending to the backend.", "08006");
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return wrap(delegate.getConnection(username, password));
  }

  private Connection wrap(Connection real) {
    InvocationHandler h = (proxy, method, args) -> {
      String name = method.getName();
      if (name.equals("commit")) {
        Armed a = armed.get();
        if (a != null && a.fault() != Fault.STATEMENT_APPLIED_ANSWER_LOST && armed.compareAndSet(a, null)) {
          if (a.fault() == Fault.COMMIT_APPLIED_ANSWER_LOST) {
            real.commit();
          }
          real.close(); // the session ends: an open transaction is rolled back
          fired++;
          throw lost();
        }
      }
      if (name.equals("prepareStatement") && args != null && args.length == 1 && args[0] instanceof String sql) {
        PreparedStatement ps = real.prepareStatement(sql);
        return statement(ps, real, sql);
      }
      return invoke(real, method, args);
    };
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private PreparedStatement statement(PreparedStatement real, Connection connection, String sql) {
    InvocationHandler h = (proxy, method, args) -> {
      String name = method.getName();
      if (name.startsWith("execute")) {
        Armed a = armed.get();
        if (a != null && a.fault() == Fault.STATEMENT_APPLIED_ANSWER_LOST && a.sqlContains() != null
            && sql.contains(a.sqlContains()) && connection.getAutoCommit() && armed.compareAndSet(a, null)) {
          invoke(real, method, args);
          connection.close();
          fired++;
          throw lost();
        }
      }
      return invoke(real, method, args);
    };
    return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, h);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return delegate.isWrapperFor(iface);
  }
}

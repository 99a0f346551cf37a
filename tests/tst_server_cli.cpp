#include <QTest>
class TestServerCli : public QObject
{
    Q_OBJECT
};
QTEST_GUILESS_MAIN(TestServerCli)
#include "tst_server_cli.moc"

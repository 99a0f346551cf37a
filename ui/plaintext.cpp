#include "plaintext.h"

#include <QApplication>
#include <QEvent>
#include <QLabel>
#include <QPointer>

namespace portcullis::plaintext {

namespace {

// Application-wide event filter: a label about to be shown for the first time (QEvent::Polish)
// whose text format was left at Qt::AutoText becomes Qt::PlainText. Labels made Qt::RichText on
// purpose keep it. Tooltips are labels too (Qt's tooltip window is a QLabel), so they follow.
class PlainTextLabels : public QObject
{
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Polish) {
            if (auto* label = qobject_cast<QLabel*>(watched); label && label->textFormat() == Qt::AutoText)
                label->setTextFormat(Qt::PlainText);
        }
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

void install()
{
    static QPointer<PlainTextLabels> installed;
    if (installed || !qApp)
        return;
    installed = new PlainTextLabels(qApp);
    qApp->installEventFilter(installed);
}

} // namespace portcullis::plaintext

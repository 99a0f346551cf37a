#include "secretdialog.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace portcullis {

SecretDialog::SecretDialog(const QString& title, const QString& explanation, const QString& secret, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("secretDialog"));
    setWindowTitle(title);
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/warning.svg")).pixmap(32, 32));
    auto* text = new QLabel(explanation + QStringLiteral("<br><b>")
                                + tr("It is shown only now: copy it to a safe place.") + QStringLiteral("</b>"),
                            this);
    text->setWordWrap(true);
    text->setTextFormat(Qt::RichText); // callers escape the values in `explanation`
    auto* value = new QLineEdit(secret, this);
    value->setObjectName(QStringLiteral("secretEdit"));
    value->setAccessibleName(tr("Secret"));
    value->setReadOnly(true);
    value->setMinimumWidth(fontMetrics().horizontalAdvance(secret) + 24);
    value->selectAll();
    auto* copy = new QPushButton(tr("&Copy"), this);
    copy->setObjectName(QStringLiteral("copySecretButton"));
    connect(copy, &QPushButton::clicked, this, [copy, secret] {
        QGuiApplication::clipboard()->setText(secret);
        copy->setText(tr("Copied"));
    });
    auto* top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addWidget(text, 1);
    auto* row = new QHBoxLayout;
    row->addWidget(value, 1);
    row->addWidget(copy);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(row);
    layout->addWidget(buttons);
}

} // namespace portcullis

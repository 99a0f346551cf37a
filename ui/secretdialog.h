#pragma once

// Shows a secret exactly once (an API key, an impersonation token, a reset or invitation token):
// selectable text, a Copy button and a warning that it cannot be shown again. Nothing is logged.

#include <QDialog>

namespace portcullis {

class SecretDialog : public QDialog
{
    Q_OBJECT

public:
    SecretDialog(const QString& title, const QString& explanation, const QString& secret, QWidget* parent = nullptr);
};

} // namespace portcullis

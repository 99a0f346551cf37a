#pragma once

// First run on a new SQLite file: the first organization and its super admin, with the password
// policy shown as the admin types.

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace portcullis {

class FirstRunDialog : public QDialog
{
    Q_OBJECT

public:
    FirstRunDialog(const QString& path, const QString& email, const QString& password, QWidget* parent = nullptr);

    QString organizationName() const;
    QString email() const;
    QString password() const;

private:
    void validate();

    QLineEdit* m_organization = nullptr;
    QLineEdit* m_email = nullptr;
    QLineEdit* m_password = nullptr;
    QLineEdit* m_confirm = nullptr;
    QLabel* m_policy = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace portcullis

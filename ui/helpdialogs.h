#pragma once

// The Help menu's windows: the keyboard shortcuts (F1) as a two-column table, the general ones and
// those of the pane in front, and the user guide, built into the program (a Qt resource), so it is
// there offline and matches the version that runs.

#include <QDialog>

class QTextBrowser;
class QTreeWidget;

namespace portcullis {

class Pane;

class ShortcutsDialog : public QDialog
{
    Q_OBJECT

public:
    // `pane`: the pane in front, whose own actions with a key are listed after the general ones.
    explicit ShortcutsDialog(Pane* pane, QWidget* parent = nullptr);

    QTreeWidget* table() const { return m_table; }

private:
    QTreeWidget* m_table = nullptr;
};

class UserGuideDialog : public QDialog
{
    Q_OBJECT

public:
    // The guide as a Qt resource (markdown with its screenshots).
    static constexpr char GuideResource[] = ":/docs/user-guide.md";

    explicit UserGuideDialog(QWidget* parent = nullptr);

    QTextBrowser* browser() const { return m_browser; }
    // Scrolls to the heading whose slug is `anchor` ("add-a-tenant"); false when there is none.
    bool showSection(const QString& anchor);
    // What a click on a link in the guide does.
    void follow(const QUrl& url);

private:
    QTextBrowser* m_browser = nullptr;
};

} // namespace portcullis

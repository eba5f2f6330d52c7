"""What every audience's pages share: the home page, search, notifications, navigation, labels and the
request pages the portal and the desk both serve."""
